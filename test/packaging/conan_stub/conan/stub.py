# The test's side of the stand-in (see conan_stub/conan/__init__.py): options, settings, and the
# `info` object that package_id() edits and Conan hashes into the package id.


class Options:
    def __init__(self, declared, values):
        self._values = {name: bool(values[name]) for name in declared}

    def __getattr__(self, name):
        try:
            return self.__dict__["_values"][name]
        except KeyError:
            raise AttributeError(f"option '{name}' does not exist") from None

    def get_safe(self, name, default=None):
        return self._values.get(name, default)

    def rm_safe(self, name):
        self._values.pop(name, None)

    def items(self):
        return sorted(self._values.items())


class _Value(str):
    pass


class Settings:
    def __init__(self, **values):
        self._flat = dict(values)
        for name, value in values.items():
            if "." not in name:
                setattr(self, name, _Value(value))
        for name, value in values.items():
            if "." in name:
                parent, child = name.split(".", 1)
                setattr(getattr(self, parent), child, _Value(value))

    def get_safe(self, name, default=None):
        return self._flat.get(name, default)

    def items(self):
        return sorted(self._flat.items())


class _Part:
    def __init__(self, items):
        self._items = dict(items)

    def clear(self):
        self._items = {}

    def get_safe(self, name, default=None):
        return self._items.get(name, default)

    def __getattr__(self, name):
        try:
            return self.__dict__["_items"][name]
        except KeyError:
            raise AttributeError(name) from None

    def serialize(self):
        return ";".join(f"{k}={v}" for k, v in sorted(self._items.items()))


class Info:
    def __init__(self):
        self.settings = _Part({})
        self.options = _Part({})
        self.requires = _Part({})

    def reset(self, conanfile):
        self.settings = _Part(conanfile.settings.items())
        self.options = _Part(conanfile.options.items())
        self.requires = _Part({r.split("/")[0]: r for r in conanfile.requires_list})

    def clear(self):
        self.settings.clear()
        self.options.clear()
        self.requires.clear()

    def serialize(self):
        return f"[settings]{self.settings.serialize()}[options]{self.options.serialize()}[requires]{self.requires.serialize()}"


def run_generate(conanfile):
    conanfile.generate()
    return conanfile.generated_cache_variables
