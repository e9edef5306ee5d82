# Stand-in for conan.tools.build (see conan_stub/conan/__init__.py).
from conan.errors import ConanInvalidConfiguration


def check_min_cppstd(conanfile, cppstd):
    current = conanfile.settings.get_safe("compiler.cppstd")
    if current is not None and int(str(current).replace("gnu", "")) < int(cppstd):
        raise ConanInvalidConfiguration(
            f"Current cppstd ({current}) is lower than the required C++ standard ({cppstd}).")
