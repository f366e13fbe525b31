// Built when no PTX compiler (clang with the NVPTX target) was found at configure time: the
// binary carries no kernels, and the NVENC backend reports itself unavailable with that reason.
namespace gearbox::nvenc_kernels {
extern const char kNv12KernelsPtx[] = "";
}
