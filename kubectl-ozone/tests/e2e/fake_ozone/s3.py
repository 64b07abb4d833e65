"""`ozone s3 getsecret [-u USER] [-e]` (reference §6): only on a secure cluster
(ozone.security.enabled=true in the rendered ConfigMap); otherwise the refusal of
`Handler.securityEnabled()`. A second getsecret for the same user fails until revokesecret."""
import hashlib

from .common import fail, ok, om_failure


def principal(cluster):
    """The Kerberos principal an OM pod's client runs as: the access id without -u."""
    return "om/%s-om-0.%s-om-headless@EXAMPLE.COM" % (cluster.name, cluster.name)


def handle(words, cluster, cs):
    if words[:2] != ["ozone", "s3"] or len(words) < 3:
        return None
    verb, rest = words[2], words[3:]
    if verb not in ("getsecret", "get-secret", "revokesecret", "setsecret"):
        return None
    if not cluster.secured:
        return fail("Error: '%s' operation works only when security is enabled. To enable security "
                    "set ozone.security.enabled to true." % verb)
    secrets = cs.setdefault("s3_secrets", {})
    user = principal(cluster)
    for i, w in enumerate(rest):
        if w in ("-u", "--username") and i + 1 < len(rest):
            user = rest[i + 1]
    if verb == "revokesecret":
        secrets.pop(user, None)
        return ok("S3 secret revoked.\n")
    if user in secrets:
        return om_failure("S3_SECRET_ALREADY_EXISTS Secret for '%s' already exists" % user)
    secret = hashlib.sha256(("%s/%s/%d" % (cluster.namespace, user, len(secrets))).encode()).hexdigest()
    secrets[user] = secret
    if "-e" in rest:
        return ok("export AWS_ACCESS_KEY_ID='%s'\nexport AWS_SECRET_ACCESS_KEY='%s'\n" % (user, secret))
    return ok("awsAccessKey=%s\nawsSecret=%s\n" % (user, secret))
