"""Results of a command, and the error shapes Ozone's CLI prints."""


class Out:
    """What a command printed and its exit code."""

    def __init__(self, stdout="", stderr="", code=0):
        self.stdout = stdout
        self.stderr = stderr
        self.code = code


def ok(stdout=""):
    return Out(stdout=stdout)


def fail(stderr, code=1):
    return Out(stderr=stderr if stderr.endswith("\n") else stderr + "\n", code=code)


# `ozone sh` prints an OMException as JVM log lines then `<RESULT_CODE> <message>`, exit 255
# (`Shell.printError`), as FakeOzone's om_failure.
def om_failure(line):
    return Out(
        stderr="2026-11-26 01:00:00,000 [main] WARN util.NativeCodeLoader: Unable to load "
        "native-hadoop library for your platform\n" + line + "\n",
        code=255,
    )


def unknown(argv):
    # picocli's answer to a subcommand it does not know; exit 2 like a usage error.
    return fail("Unknown command: " + " ".join(argv), code=2)


def pretty(value):
    """Ozone's JSON output (`toPrettyString`, `writerWithDefaultPrettyPrinter`): Jackson's
    DefaultPrettyPrinter — objects one field a line, two spaces a level, `"key" : value`;
    arrays inline (`[ a, b ]`, not a level deeper); empty ones `{ }` and `[ ]`."""
    return _jackson(value, 0) + "\n"


def _jackson(value, level):
    import json

    if isinstance(value, dict):
        if not value:
            return "{ }"
        pad = "  " * (level + 1)
        fields = ",\n".join("%s%s : %s" % (pad, json.dumps(k, ensure_ascii=False), _jackson(v, level + 1))
                            for k, v in value.items())
        return "{\n" + fields + "\n" + "  " * level + "}"
    if isinstance(value, list):
        if not value:
            return "[ ]"
        return "[ " + ", ".join(_jackson(v, level) for v in value) + " ]"
    return json.dumps(value, ensure_ascii=False)
