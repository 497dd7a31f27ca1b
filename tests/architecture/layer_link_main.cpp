// Links one layer whole with only the layers it declares (agent/CMakeLists.txt):
// an undefined reference means the layer calls into one it must not know.
int main() { return 0; }
