// The gearbox CLI's subcommands. Each returns the process exit status.
#pragma once

#include <optional>
#include <string>

namespace gearbox::cli {

int run_probe(int argc, char** argv);
int run_stream(int argc, char** argv);
int run_bench(int argc, char** argv);
int run_serve(int argc, char** argv);

// Shared by serve and stream --serve (cmd_serve.cpp).
std::optional<int> parse_port(const std::string& text);  // 0-65535, or nullopt
// Prints `message` on stdout once Ctrl-C and SIGTERM are caught, returns after either.
void wait_for_interrupt(const std::string& message);

}  // namespace gearbox::cli
