// The gearbox CLI's subcommands. Each returns the process exit status.
#pragma once

#include <optional>
#include <string>

namespace gearbox::cli {

int run_probe(int argc, char** argv);
int run_stream(int argc, char** argv);
int run_serve(int argc, char** argv);

// Shared by serve and stream --serve (cmd_serve.cpp).
std::optional<int> parse_port(const std::string& text);  // 0-65535, or nullopt
void wait_for_interrupt();                                 // returns after Ctrl-C or SIGTERM

}  // namespace gearbox::cli
