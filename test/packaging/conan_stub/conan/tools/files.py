# Stand-in for conan.tools.files (see conan_stub/conan/__init__.py).


def copy(conanfile, pattern, src, dst):
    pass
