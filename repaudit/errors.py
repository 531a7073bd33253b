"""Domain errors. The library raises these; only the CLI turns them into exit code 1 and a message."""


class RepauditError(Exception):
    """Any problem the user can fix: the message says what was found, what was expected and where."""


class InputFileError(RepauditError):
    """A file cannot be read as the source it was given as."""

    def __init__(self, path, message, *, row=None, column=None):
        self.path, self.row, self.column = str(path), row, column
        where = f"{self.path}"
        if row is not None:
            where += f", row {row}"
        if column is not None:
            where += f", column '{column}'"
        super().__init__(f"{where}: {message}")


class MissingColumnError(InputFileError):
    """Required columns are absent; the message lists the columns that were found."""

    def __init__(self, path, missing, found, source):
        self.missing, self.found = list(missing), list(found)
        shown = ", ".join(self.found[:40]) + (" ..." if len(self.found) > 40 else "")
        super().__init__(
            path,
            f"not a '{source}' file: missing column(s) {', '.join(self.missing)}. "
            f"Columns found: {shown}",
        )


class WrongSourceError(InputFileError):
    """The file looks like a different SOURCE than the one given."""


class GeometryError(InputFileError):
    """A geometry file has no usable geometries or no CRS."""


class FetchError(RepauditError):
    """A download failed; nothing half-written was left behind."""


class WarehouseError(RepauditError):
    """The warehouse is missing a table or holds no data for the request."""


class OtherSourceError(WrongSourceError, MissingColumnError):
    """A file lacking SOURCE's columns because it is another SOURCE's file: the message names that SOURCE
    and lists the columns found."""

    def __init__(self, path, message, found):
        self.missing, self.found = [], list(found)
        InputFileError.__init__(self, path, message)
