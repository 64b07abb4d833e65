//! S3 access: credentials, volumes and buckets, and the gateway endpoint.
