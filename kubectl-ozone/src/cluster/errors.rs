//! API errors in words a user can act on. A 403 names the verb, resource and namespace the
//! user lacks instead of surfacing as "not found" or a hang (conventions §(b) 10).

use thiserror::Error;

/// A failed Kubernetes API request.
#[derive(Debug, Error)]
pub enum ApiError {
    /// RBAC denied the request.
    #[error(
        "forbidden: kubectl-ozone needs {verb} on {resource} in namespace {namespace} (the <cluster>-operator Role that `kubectl ozone render` writes grants what every day-2 command needs): {message}"
    )]
    Forbidden {
        /// The verb.
        verb: &'static str,
        /// The resource, with group and subresource.
        resource: &'static str,
        /// The namespace.
        namespace: String,
        /// The API server's message.
        message: String,
    },
    /// Anything else. The cause is printed by the error chain, so it is not repeated here.
    #[error("cannot {verb} {resource} in namespace {namespace}")]
    Other {
        /// The verb.
        verb: &'static str,
        /// The resource.
        resource: &'static str,
        /// The namespace.
        namespace: String,
        /// The client error.
        #[source]
        source: kube::Error,
    },
}

/// Classifies a client error for a request of `verb` on `resource`.
pub fn classify(
    err: kube::Error,
    verb: &'static str,
    resource: &'static str,
    namespace: &str,
) -> ApiError {
    match err {
        kube::Error::Api(status) if status.code == 403 => ApiError::Forbidden {
            verb,
            resource,
            namespace: namespace.to_owned(),
            message: status.message.clone(),
        },
        source => ApiError::Other {
            verb,
            resource,
            namespace: namespace.to_owned(),
            source,
        },
    }
}
