#include <string>
#include <vector>

#include "agent/cli/commands.hpp"

int main(int argc, char** argv) { return mf::cli::run_cli(std::vector<std::string>(argv, argv + argc)); }
