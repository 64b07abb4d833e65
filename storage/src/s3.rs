//! S3 access to Ozone: the bucket naming rules, the `/s3v` volume S3 sees, and the facts about
//! the Mountpoint for Amazon S3 CSI driver that mounts buckets as Kubernetes volumes
//! (operations reference §3). Shared by the spec's `s3.volumes`, `kubectl ozone s3 …` and lint,
//! so a name one accepts the others accept too.

use std::fmt;

/// The Ozone volume whose buckets the S3 Gateway serves (operations reference §3.1).
pub const S3_VOLUME: &str = "s3v";

/// The CSI driver name of Mountpoint for Amazon S3 (operations reference §3.2).
pub const MOUNTPOINT_DRIVER: &str = "s3.csi.aws.com";

/// The namespace Mountpoint CSI driver v2 runs its mount pods in (operations reference §3.2).
pub const MOUNTPOINT_NAMESPACE: &str = "mount-s3";

/// The version of the Mountpoint CSI driver the rendered volumes were written for.
pub const MOUNTPOINT_DRIVER_VERSION: &str = "v2.7.0";

/// The `volumeAttributes` key naming the bucket; the driver requires it.
pub const BUCKET_NAME_ATTRIBUTE: &str = "bucketName";

/// The region S3 clients sign requests for. Ozone ignores it, but every S3 client needs one;
/// Ozone's own (removed) CSI driver used this one (operations reference §3.2).
pub const REGION: &str = "us-east-1";

/// Shortest and longest bucket name.
pub const BUCKET_NAME_LENGTH: std::ops::RangeInclusive<usize> = 3..=63;

/// Why a bucket name breaks the S3 naming rules.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BucketNameError {
    /// Too short or too long.
    #[error("{name:?} must be 3 to 63 characters long (it has {len})")]
    Length {
        /// The name.
        name: String,
        /// Its length in bytes.
        len: usize,
    },
    /// A character other than a-z, 0-9, '.' and '-'.
    #[error("{name:?} may contain only lowercase letters, digits, '.' and '-' (not {bad:?})")]
    Character {
        /// The name.
        name: String,
        /// The first bad character.
        bad: char,
    },
    /// Starts or ends with '.' or '-'.
    #[error("{name:?} must start and end with a lowercase letter or digit")]
    Edge {
        /// The name.
        name: String,
    },
    /// `..`, `.-` or `-.`.
    #[error("{name:?} must not contain two periods in a row or a period next to a dash")]
    Adjacent {
        /// The name.
        name: String,
    },
    /// Looks like an IPv4 address.
    #[error("{name:?} must not look like an IP address")]
    IpAddress {
        /// The name.
        name: String,
    },
    /// A prefix or suffix S3 reserves.
    #[error("{name:?} must not {what} {affix:?} (reserved by S3)")]
    Reserved {
        /// The name.
        name: String,
        /// "start with" or "end with".
        what: &'static str,
        /// The reserved prefix or suffix.
        affix: &'static str,
    },
}

const RESERVED_PREFIXES: [&str; 2] = ["xn--", "sthree-"];
const RESERVED_SUFFIXES: [&str; 2] = ["-s3alias", "--ol-s3"];

/// Checks a bucket name against the S3 rules for general-purpose buckets, which Ozone's own
/// check of volume and bucket names also enforces (a period next to a dash is refused by
/// Ozone, not only by S3's legacy rules).
pub fn check_bucket_name(name: &str) -> Result<(), BucketNameError> {
    let owned = || name.to_owned();
    if !BUCKET_NAME_LENGTH.contains(&name.len()) {
        return Err(BucketNameError::Length {
            name: owned(),
            len: name.len(),
        });
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '.' || *c == '-'))
    {
        return Err(BucketNameError::Character { name: owned(), bad });
    }
    let alnum = |c: char| c.is_ascii_alphanumeric();
    if !name.starts_with(alnum) || !name.ends_with(alnum) {
        return Err(BucketNameError::Edge { name: owned() });
    }
    if name.contains("..") || name.contains(".-") || name.contains("-.") {
        return Err(BucketNameError::Adjacent { name: owned() });
    }
    if name.parse::<std::net::Ipv4Addr>().is_ok() {
        return Err(BucketNameError::IpAddress { name: owned() });
    }
    if let Some(affix) = RESERVED_PREFIXES.into_iter().find(|p| name.starts_with(p)) {
        return Err(BucketNameError::Reserved {
            name: owned(),
            what: "start with",
            affix,
        });
    }
    if let Some(affix) = RESERVED_SUFFIXES.into_iter().find(|s| name.ends_with(s)) {
        return Err(BucketNameError::Reserved {
            name: owned(),
            what: "end with",
            affix,
        });
    }
    Ok(())
}

/// Where an S3 client reaches the gateway: scheme, host and port.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Endpoint {
    /// `http` or `https`.
    pub scheme: &'static str,
    /// Host name or address.
    pub host: String,
    /// Port.
    pub port: u16,
}

impl Endpoint {
    /// An endpoint.
    pub fn new(https: bool, host: impl Into<String>, port: u16) -> Endpoint {
        Endpoint {
            scheme: if https { "https" } else { "http" },
            host: host.into(),
            port,
        }
    }

    /// The URL S3 clients take as `--endpoint-url`.
    pub fn url(&self) -> String {
        // An IPv6 address needs brackets in a URL.
        if self.host.contains(':') {
            format!("{}://[{}]:{}", self.scheme, self.host, self.port)
        } else {
            format!("{}://{}:{}", self.scheme, self.host, self.port)
        }
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.url())
    }
}

/// The `mount-s3` options a Mountpoint volume needs to reach Ozone: the endpoint, path-style
/// addressing (Ozone serves virtual-host style only with `ozone.s3g.domain.name`), the region,
/// and — unless read-only — permission to delete and overwrite, which `mount-s3` refuses by
/// default. `extra` options follow, so a user's option can add to these.
pub fn mount_options(endpoint: &Endpoint, read_only: bool, extra: &[String]) -> Vec<String> {
    let mut options = vec![
        format!("endpoint-url {}", endpoint.url()),
        "force-path-style".to_owned(),
        format!("region {REGION}"),
    ];
    if read_only {
        options.push("read-only".to_owned());
    } else {
        options.push("allow-delete".to_owned());
        options.push("allow-overwrite".to_owned());
    }
    options.extend(extra.iter().cloned());
    options
}

/// Words of mount options the spec and `s3 volume` refuse, because kubectl-ozone sets them
/// (`endpoint-url`, `region`) or because the driver drops them (operations reference §3.2).
pub fn managed_mount_option(option: &str) -> Option<&'static str> {
    let key = option
        .trim()
        .trim_start_matches('-')
        .split(|c: char| c == '=' || c.is_whitespace())
        .next()
        .unwrap_or_default();
    match key {
        "endpoint-url" => Some("endpoint-url is set to the S3 Gateway Service"),
        "region" => Some("region is set to us-east-1"),
        "foreground" | "f" | "help" | "h" | "version" | "v" => {
            Some("the CSI driver drops this option")
        }
        _ => None,
    }
}

/// An S3 key pair. `Debug` hides the secret, so a stray `{:?}` cannot print it.
#[derive(Clone, PartialEq, Eq)]
pub struct KeyPair {
    /// `AWS_ACCESS_KEY_ID`.
    pub access_key_id: String,
    /// `AWS_SECRET_ACCESS_KEY`.
    pub secret_access_key: String,
}

impl fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyPair")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<hidden>")
            .finish()
    }
}

/// Why `ozone s3 getsecret` output could not be read. Never quotes the output: it may hold
/// the secret.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SecretOutputError {
    /// Ozone refused: the cluster is not secured.
    #[error("Ozone says S3 secrets exist only when security is enabled (ozone.security.enabled)")]
    Unsecured,
    /// A line is missing.
    #[error("the output of `ozone s3 getsecret` has no {0} line")]
    Missing(&'static str),
}

/// Reads the output of `ozone s3 getsecret`: `awsAccessKey=…` and `awsSecret=…` lines
/// (ozone.md §6), or the `-e` form `export AWS_ACCESS_KEY_ID='…'`.
pub fn parse_secret(output: &str) -> Result<KeyPair, SecretOutputError> {
    if output.contains("works only when security is enabled") {
        return Err(SecretOutputError::Unsecured);
    }
    let value = |keys: [&str; 2]| {
        output.lines().find_map(|line| {
            let line = line.trim().trim_start_matches("export ").trim();
            let (key, value) = line.split_once('=')?;
            keys.contains(&key.trim())
                .then(|| value.trim().trim_matches('\'').to_owned())
                .filter(|v| !v.is_empty())
        })
    };
    Ok(KeyPair {
        access_key_id: value(["awsAccessKey", "AWS_ACCESS_KEY_ID"])
            .ok_or(SecretOutputError::Missing("awsAccessKey"))?,
        secret_access_key: value(["awsSecret", "AWS_SECRET_ACCESS_KEY"])
            .ok_or(SecretOutputError::Missing("awsSecret"))?,
    })
}

/// A bucket as `ozone sh bucket list` prints it (a JSON array of objects; only the fields
/// used here are read, and unknown ones are ignored).
#[derive(Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BucketInfo {
    /// Bucket name.
    pub name: String,
    /// When it was created, as Ozone prints it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creation_time: Option<serde_json::Value>,
}

/// Parses the JSON `ozone sh bucket list` prints.
pub fn parse_bucket_list(output: &str) -> Result<Vec<BucketInfo>, serde_json::Error> {
    let start = output.find('[').unwrap_or(0);
    serde_json::from_str(&output[start..])
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_ordinary_names_and_names_each_rule() {
        for ok in ["abc", "logs-2026", "my.bucket.v2", "a1b", &"x".repeat(63)] {
            assert_eq!(check_bucket_name(ok), Ok(()), "{ok}");
        }
        let err = |n: &str| check_bucket_name(n).unwrap_err().to_string();
        assert!(err("ab").contains("3 to 63"));
        assert!(err(&"x".repeat(64)).contains("3 to 63"));
        assert!(err("My-Bucket").contains("not 'M'"));
        assert!(err("my_bucket").contains("not '_'"));
        assert!(err("-abc").contains("start and end"));
        assert!(err("abc.").contains("start and end"));
        assert!(err("a..b").contains("two periods"));
        assert!(err("a.-b").contains("period next to a dash"));
        assert!(err("192.168.5.4").contains("IP address"));
        assert!(err("xn--abc").contains("start with \"xn--\""));
        assert!(err("data-s3alias").contains("end with \"-s3alias\""));
    }

    #[test]
    fn mount_options_follow_read_only() {
        let endpoint = Endpoint::new(false, "ozone-s3g.ozone.svc.cluster.local", 9878);
        assert_eq!(
            mount_options(&endpoint, false, &["uid 1000".into()]),
            [
                "endpoint-url http://ozone-s3g.ozone.svc.cluster.local:9878",
                "force-path-style",
                "region us-east-1",
                "allow-delete",
                "allow-overwrite",
                "uid 1000"
            ]
        );
        let ro = mount_options(&endpoint, true, &[]);
        assert!(ro.contains(&"read-only".to_owned()));
        assert!(!ro.iter().any(|o| o.starts_with("allow-")));
        assert_eq!(
            Endpoint::new(true, "fd00::1", 9879).url(),
            "https://[fd00::1]:9879"
        );
    }

    #[test]
    fn managed_options_are_recognised_in_every_spelling() {
        for o in [
            "endpoint-url http://x",
            "--endpoint-url=http://x",
            "region=eu",
            "-f",
        ] {
            assert!(managed_mount_option(o).is_some(), "{o}");
        }
        for o in ["uid 1000", "allow-other", "prefix logs/", "regional"] {
            assert_eq!(managed_mount_option(o), None, "{o}");
        }
    }

    #[test]
    fn secrets_are_read_in_both_forms_and_never_shown_by_debug() {
        let plain = parse_secret("awsAccessKey=testuser/scm@EXAMPLE.COM\nawsSecret=c261b6ecabf7d37d5f9ded654b1c724adac9bd9f13e247a235e567e8296d2999\n").unwrap();
        assert_eq!(plain.access_key_id, "testuser/scm@EXAMPLE.COM");
        assert!(plain.secret_access_key.starts_with("c261b6"));
        assert!(!format!("{plain:?}").contains("c261b6"));
        let export =
            parse_secret("export AWS_ACCESS_KEY_ID='a@B'\nexport AWS_SECRET_ACCESS_KEY='s3cr3t'\n")
                .unwrap();
        assert_eq!(
            (
                export.access_key_id.as_str(),
                export.secret_access_key.as_str()
            ),
            ("a@B", "s3cr3t")
        );
        assert_eq!(
            parse_secret(
                "Error: 'getsecret' operation works only when security is enabled. To enable security set ozone.security.enabled to true."
            ),
            Err(SecretOutputError::Unsecured)
        );
        assert_eq!(
            parse_secret("awsAccessKey=x\n"),
            Err(SecretOutputError::Missing("awsSecret"))
        );
    }

    #[test]
    fn bucket_lists_are_read() {
        let list = parse_bucket_list(r#"[ {"volumeName": "s3v", "name": "logs", "creationTime": "2026-11-30T10:00:00Z", "storageType": "DISK"} ]"#).unwrap();
        assert_eq!(list[0].name, "logs");
        assert!(parse_bucket_list("[]").unwrap().is_empty());
        assert!(parse_bucket_list("not json").is_err());
    }

    proptest! {
        #[test]
        fn secret_parsing_never_panics(output in "\\PC{0,200}") {
            let _ = parse_secret(&output);
            let _ = parse_bucket_list(&output);
        }


        #[test]
        fn any_accepted_name_keeps_every_rule(name in "\\PC{0,70}") {
            if check_bucket_name(&name).is_ok() {
                prop_assert!((3..=63).contains(&name.len()));
                prop_assert!(name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-'));
                prop_assert!(!name.contains("..") && !name.contains(".-") && !name.contains("-."));
                prop_assert!(name.parse::<std::net::Ipv4Addr>().is_err());
            }
        }

        #[test]
        fn names_built_by_the_rules_are_accepted(
            words in proptest::collection::vec("[a-z][a-z0-9]{0,9}", 1..5),
            dashes in proptest::collection::vec(prop_oneof![Just("-"), Just("."), Just("--")], 4),
        ) {
            let mut name = words[0].clone();
            for (w, sep) in words.iter().skip(1).zip(&dashes) {
                name.push_str(sep);
                name.push_str(w);
            }
            prop_assume!((3..=63).contains(&name.len()));
            prop_assume!(!name.starts_with("xn--") && !name.starts_with("sthree-"));
            prop_assume!(!name.ends_with("--ol-s3") && !name.ends_with("-s3alias"));
            prop_assert_eq!(check_bucket_name(&name), Ok(()));
        }
    }
}
