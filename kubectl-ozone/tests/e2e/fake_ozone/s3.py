"""`ozone s3 getsecret|setsecret [-u USER] [-e]` and `revokesecret [-u USER] [-y]` (reference §6;
GetS3SecretHandler, SetS3SecretHandler, RevokeS3SecretHandler). Only on a secure cluster
(ozone.security.enabled=true in the rendered ConfigMap); otherwise the message of
`Handler.securityEnabled()` and exit code 0, as Ozone's handler returns normally. A second
getsecret for the same user fails until revokesecret; each new secret differs from every
earlier one."""
import hashlib
import sys

from .common import Out, fail, ok, om_failure

# picocli names (the qualified name in the refusal is the command's, not the alias).
VERBS = {"getsecret": "getsecret", "get-secret": "getsecret", "setsecret": "setsecret",
         "set-secret": "setsecret", "revokesecret": "revokesecret"}


def principal(cluster):
    """The Kerberos principal an OM pod's client runs as: the access id without -u."""
    return "om/%s-om-0.%s-om-headless@EXAMPLE.COM" % (cluster.name, cluster.name)


def _option(words, *names):
    for i, w in enumerate(words):
        if w in names and i + 1 < len(words):
            return words[i + 1]
    return None


def _pair(user, secret, export):
    if export:
        return ok("export AWS_ACCESS_KEY_ID='%s'\nexport AWS_SECRET_ACCESS_KEY='%s'\n" % (user, secret))
    # S3SecretValue.toString()
    return ok("awsAccessKey=%s\nawsSecret=%s\n" % (user, secret))


def handle(words, cluster, cs):
    if words[:2] != ["ozone", "s3"] or len(words) < 3 or words[2] not in VERBS:
        return None
    verb, rest = VERBS[words[2]], words[3:]
    if verb == "setsecret" and _option(rest, "-s", "--secret") is None:
        return fail("Missing required option: '--secret=<secretKey>'", code=2)
    if not cluster.secured:
        return Out(stderr="Error: 'ozone s3 %s' operation works only when security is enabled. "
                   "To enable security set ozone.security.enabled to true.\n" % verb)
    secrets = cs.setdefault("s3_secrets", {})
    user = _option(rest, "-u") or principal(cluster)
    if verb == "revokesecret":
        # Without -y it asks on stdout and reads one word from stdin.
        prompt = ""
        if "-y" not in rest:
            prompt = "Enter 'y' to confirm S3 secret revocation for '%s': " % user
            answer = sys.stdin.read().split()
            if not answer:
                return Out(prompt, "java.util.NoSuchElementException\n", 1)
            if answer[0].lower() != "y":
                return ok(prompt + "Operation cancelled.\n")
        secrets.pop(user, None)
        return ok(prompt + "S3 secret revoked.\n")
    if verb == "setsecret":
        secrets[user] = _option(rest, "-s", "--secret")
        return _pair(user, secrets[user], "-e" in rest)
    if user in secrets:
        return om_failure("S3_SECRET_ALREADY_EXISTS Secret for '%s' already exists" % user)
    # A new secret after revokesecret, as Ozone makes a random one each time.
    serial = cs["s3_secret_serial"] = cs.get("s3_secret_serial", 0) + 1
    secrets[user] = hashlib.sha256(("%s/%s/%d" % (cluster.namespace, user, serial)).encode()).hexdigest()
    return _pair(user, secrets[user], "-e" in rest)
