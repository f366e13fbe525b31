# Turns the kernels' PTX into a C++ source file (a raw string literal), so that the binary
# carries its kernels and needs no file at run time. -DPTX=in.ptx -DOUT=out.cpp
file(READ "${PTX}" ptx_text)
file(WRITE "${OUT}" "// Generated from nv12_kernels.cu by clang's CUDA front end. Do not edit.\n"
  "namespace gearbox::nvenc_kernels {\n"
  "extern const char kNv12KernelsPtx[] = R\"gearbox_ptx(${ptx_text})gearbox_ptx\";\n"
  "}\n")
