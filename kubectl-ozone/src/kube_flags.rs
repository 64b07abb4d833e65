//! The kubectl flags every cluster command accepts, and the API client they produce.
//!
//! kubectl does not pass its global flags to plugins, so the plugin parses them itself
//! (reference conventions §6). `KUBECONFIG` is honoured when `--kubeconfig` is absent.

use crate::exit::BadInput;
use anyhow::{Context, Result};
use clap::Args;
use http::{HeaderName, HeaderValue};
use kube::config::{KubeConfigOptions, Kubeconfig};
use ozone_engine::duration;
use std::path::PathBuf;
use std::time::Duration;

/// The User-Agent every request carries.
pub const USER_AGENT: &str = concat!("kubectl-ozone/", env!("CARGO_PKG_VERSION"));

/// kubectl's connection flags.
#[derive(Debug, Args, Clone, Default)]
pub struct KubeFlags {
    /// Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config).
    #[arg(long, value_name = "PATH", help_heading = "Kubernetes")]
    pub kubeconfig: Option<PathBuf>,
    /// The kubeconfig context to use.
    #[arg(long, value_name = "NAME", help_heading = "Kubernetes")]
    pub context: Option<String>,
    /// The kubeconfig cluster to use.
    #[arg(long = "cluster", value_name = "NAME", help_heading = "Kubernetes")]
    pub kube_cluster: Option<String>,
    /// The kubeconfig user to use.
    #[arg(long, value_name = "NAME", help_heading = "Kubernetes")]
    pub user: Option<String>,
    /// Namespace of the Ozone cluster (default: the context's namespace).
    #[arg(
        short = 'n',
        long,
        value_name = "NAMESPACE",
        help_heading = "Kubernetes"
    )]
    pub namespace: Option<String>,
    /// Time to wait for one API request (0 = no limit), e.g. 30s, 1m.
    #[arg(long, value_name = "DURATION", value_parser = duration::parse, help_heading = "Kubernetes")]
    pub request_timeout: Option<Duration>,
    /// User to impersonate.
    #[arg(long = "as", value_name = "USER", help_heading = "Kubernetes")]
    pub as_user: Option<String>,
    /// Group to impersonate; repeatable.
    #[arg(long = "as-group", value_name = "GROUP", help_heading = "Kubernetes")]
    pub as_groups: Vec<String>,
}

impl KubeFlags {
    /// Resolves the flags against the kubeconfig into a client configuration.
    pub async fn config(&self) -> Result<kube::Config> {
        let options = KubeConfigOptions {
            context: self.context.clone(),
            cluster: self.kube_cluster.clone(),
            user: self.user.clone(),
        };
        let mut config = match &self.kubeconfig {
            Some(path) => {
                let file = Kubeconfig::read_from(path).map_err(|e| {
                    BadInput(format!("cannot read kubeconfig {}: {e}", path.display()))
                })?;
                kube::Config::from_custom_kubeconfig(file, &options).await
            }
            None => kube::Config::from_kubeconfig(&options).await,
        }
        .map_err(|e| BadInput(format!("cannot load the kubeconfig: {e}")))?;
        self.apply(&mut config)?;
        Ok(config)
    }

    /// Applies the flags that override the kubeconfig.
    pub fn apply(&self, config: &mut kube::Config) -> Result<()> {
        if let Some(ns) = &self.namespace {
            config.default_namespace = ns.clone();
        }
        if let Some(t) = self.request_timeout {
            // kubectl's "0" means no timeout.
            let t = (!t.is_zero()).then_some(t);
            config.read_timeout = t;
            config.write_timeout = t;
            config.connect_timeout = t;
        }
        if let Some(user) = &self.as_user {
            config.auth_info.impersonate = Some(user.clone());
        }
        if !self.as_groups.is_empty() {
            config.auth_info.impersonate_groups = Some(self.as_groups.clone());
        }
        config.headers.push((
            HeaderName::from_static("user-agent"),
            HeaderValue::from_static(USER_AGENT),
        ));
        Ok(())
    }

    /// Builds the client and returns it with the namespace to use.
    pub async fn client(&self) -> Result<(kube::Client, String)> {
        let config = self.config().await?;
        let namespace = config.default_namespace.clone();
        let client = kube::Client::try_from(config).context("cannot create the API client")?;
        Ok((client, namespace))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KUBECONFIG: &str = "apiVersion: v1
kind: Config
current-context: dev
contexts:
- name: dev
  context: {cluster: c1, user: u1, namespace: team-a}
- name: prod
  context: {cluster: c2, user: u1}
clusters:
- name: c1
  cluster: {server: 'https://127.0.0.1:6443'}
- name: c2
  cluster: {server: 'https://127.0.0.2:6443'}
users:
- name: u1
  user: {token: abc}
";

    fn file() -> tempfile::NamedTempFile {
        let f = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(f.path(), KUBECONFIG).unwrap();
        f
    }

    #[tokio::test]
    async fn namespace_defaults_to_the_context_and_flags_override() {
        let f = file();
        let flags = KubeFlags {
            kubeconfig: Some(f.path().into()),
            ..KubeFlags::default()
        };
        let c = flags.config().await.unwrap();
        assert_eq!(c.default_namespace, "team-a");
        assert_eq!(c.cluster_url.host(), Some("127.0.0.1"));
        assert!(
            c.headers.iter().any(
                |(k, v)| k == "user-agent" && v.to_str().unwrap().starts_with("kubectl-ozone/")
            )
        );

        let flags = KubeFlags {
            kubeconfig: Some(f.path().into()),
            context: Some("prod".into()),
            namespace: Some("ozone".into()),
            request_timeout: Some(Duration::from_secs(5)),
            as_user: Some("jane".into()),
            ..KubeFlags::default()
        };
        let c = flags.config().await.unwrap();
        assert_eq!(c.cluster_url.host(), Some("127.0.0.2"));
        assert_eq!(c.default_namespace, "ozone");
        assert_eq!(c.read_timeout, Some(Duration::from_secs(5)));
        assert_eq!(c.auth_info.impersonate.as_deref(), Some("jane"));
    }

    #[tokio::test]
    async fn a_tls_client_can_be_built() {
        // Building the rustls connector needs a crypto provider; a missing one panics.
        let f = file();
        let flags = KubeFlags {
            kubeconfig: Some(f.path().into()),
            ..KubeFlags::default()
        };
        let (_client, ns) = flags.client().await.unwrap();
        assert_eq!(ns, "team-a");
    }

    #[tokio::test]
    async fn a_context_without_namespace_means_default_and_bad_context_is_bad_input() {
        let f = file();
        let flags = KubeFlags {
            kubeconfig: Some(f.path().into()),
            context: Some("prod".into()),
            ..KubeFlags::default()
        };
        assert_eq!(flags.config().await.unwrap().default_namespace, "default");
        let flags = KubeFlags {
            kubeconfig: Some(f.path().into()),
            context: Some("nope".into()),
            ..KubeFlags::default()
        };
        let err = flags.config().await.unwrap_err();
        assert_eq!(crate::exit::code_for(&err), crate::exit::BAD_INPUT);
    }
}
