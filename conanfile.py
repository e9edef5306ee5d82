# Conan recipe for hookbox, a header-only library:
#   conan create . --build=missing
# Options: with_sqlite (hookbox::sqlite), with_openssl (hookbox::signing and hookbox::http).
# The version and the minimum versions below are checked against CMakeLists.txt by the test suite
# (ctest -R package_manifests).
import os

from conan import ConanFile
from conan.tools.build import check_min_cppstd
from conan.tools.cmake import CMake, CMakeDeps, CMakeToolchain, cmake_layout
from conan.tools.files import copy

required_conan_version = ">=2.0"


class HookboxConan(ConanFile):
    name = "hookbox"
    version = "0.1.0"
    description = "Durable webhook delivery for C++20: transactional outbox, dispatcher and signed HTTP(S) sender"
    license = "BSL-1.0"
    homepage = "https://github.com/hookbox/hookbox"
    url = "https://github.com/hookbox/hookbox"
    topics = ("webhooks", "outbox", "asio", "beast", "header-only")
    package_type = "header-library"
    settings = "os", "arch", "compiler", "build_type"
    options = {"with_sqlite": [True, False], "with_openssl": [True, False]}
    # Boost is one package; hookbox needs its headers and its compiled Boost.JSON and Boost.URL.
    default_options = {
        "with_sqlite": True,
        "with_openssl": True,
        "boost/*:without_json": False,
        "boost/*:without_url": False,
    }
    exports_sources = "CMakeLists.txt", "LICENSE", "cmake/*", "include/*"
    no_copy_source = True

    def requirements(self):
        self.requires("boost/[>=1.81.0]")
        if self.options.with_sqlite:
            self.requires("sqlite3/[>=3.35.0]")
        if self.options.with_openssl:
            self.requires("openssl/[>=3.0.0]")

    def validate(self):
        check_min_cppstd(self, 20)

    def layout(self):
        cmake_layout(self)

    def generate(self):
        tc = CMakeToolchain(self)
        tc.cache_variables["HOOKBOX_BUILD_TESTS"] = False
        tc.cache_variables["HOOKBOX_BUILD_EXAMPLES"] = False
        tc.cache_variables["HOOKBOX_BUILD_BENCHMARKS"] = False
        tc.cache_variables["HOOKBOX_BUILD_TOOLS"] = False
        tc.cache_variables["HOOKBOX_WITH_SQLITE"] = bool(self.options.with_sqlite)
        tc.cache_variables["HOOKBOX_WITH_OPENSSL"] = bool(self.options.with_openssl)
        tc.generate()
        CMakeDeps(self).generate()

    def package(self):
        copy(self, "LICENSE", self.source_folder, os.path.join(self.package_folder, "licenses"))
        cmake = CMake(self)
        cmake.configure()
        cmake.install()

    def package_id(self):
        self.info.clear()

    def package_info(self):
        # Consumers use hookbox's own CMake package (share/hookbox), with its components.
        self.cpp_info.set_property("cmake_find_mode", "none")
        self.cpp_info.builddirs.append(os.path.join("share", "hookbox"))
        self.cpp_info.bindirs = []
        self.cpp_info.libdirs = []
