// The gearbox CLI's subcommands. Each returns the process exit status.
#pragma once

namespace gearbox::cli {

int run_probe(int argc, char** argv);
int run_stream(int argc, char** argv);
int run_bench(int argc, char** argv);

}  // namespace gearbox::cli
