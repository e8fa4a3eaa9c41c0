// The `vic` binary's entry point.
#include "tools/vic_main.h"

int main(int argc, char** argv) { return vic::tools::vic_main(argc, argv); }
