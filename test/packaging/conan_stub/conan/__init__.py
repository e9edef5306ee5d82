# A stand-in for the part of Conan 2's `conan` module that hookbox's conanfile.py uses, so that
# test/packaging/conan_recipe_test.py can run the recipe's methods without Conan. Not Conan: only
# what the recipe touches, with the same names and meanings.


class _Output:
    def __init__(self):
        self.warnings = []

    def warning(self, text):
        self.warnings.append(text)

    def info(self, text):
        pass


class _Component:
    def __init__(self):
        self.requires = []
        self.includedirs = ["include"]
        self.libdirs = ["lib"]
        self.bindirs = ["bin"]
        self.builddirs = []
        self.system_libs = []
        self._properties = {}

    def set_property(self, name, value):
        self._properties[name] = value

    def get_property(self, name):
        return self._properties.get(name)


class _Components(dict):
    def __missing__(self, name):
        self[name] = _Component()
        return self[name]


class _CppInfo(_Component):
    def __init__(self):
        super().__init__()
        self.components = _Components()


class ConanFile:
    name = None
    version = None
    package_type = None
    settings = ()
    options = {}
    default_options = {}

    def __init__(self):
        from conan.stub import Info
        self.output = _Output()
        self.cpp_info = _CppInfo()
        self.info = Info()
        self.requires_list = []
        self.source_folder = "."
        self.package_folder = "."

    def requires(self, reference):
        self.requires_list.append(reference)

    # The methods a recipe may leave out.
    def configure(self):
        pass

    def validate(self):
        pass

    def package_id(self):
        pass

    def package_info(self):
        pass
