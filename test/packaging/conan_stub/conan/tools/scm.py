# Stand-in for conan.tools.scm (see conan_stub/conan/__init__.py): versions compared part by part.


class Version:
    def __init__(self, text):
        self._parts = tuple(int(p) for p in str(text).split(".") if p.isdigit())

    def _other(self, other):
        return other._parts if isinstance(other, Version) else Version(other)._parts

    def __lt__(self, other):
        return self._parts < self._other(other)

    def __ge__(self, other):
        return self._parts >= self._other(other)

    def __eq__(self, other):
        return self._parts == self._other(other)
