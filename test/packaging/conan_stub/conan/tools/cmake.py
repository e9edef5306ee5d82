# Stand-in for conan.tools.cmake (see conan_stub/conan/__init__.py): the toolchain records its cache
# variables on the recipe object when generated.


class CMakeToolchain:
    def __init__(self, conanfile):
        self._conanfile = conanfile
        self.cache_variables = {}

    def generate(self):
        self._conanfile.generated_cache_variables = dict(self.cache_variables)


class CMakeDeps:
    def __init__(self, conanfile):
        pass

    def generate(self):
        pass


class CMake:
    def __init__(self, conanfile):
        pass

    def configure(self):
        pass

    def build(self):
        pass

    def install(self):
        pass


def cmake_layout(conanfile):
    pass
