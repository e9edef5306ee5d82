# Stand-in for conan.errors (see conan_stub/conan/__init__.py).


class ConanInvalidConfiguration(Exception):
    pass
