//! Read-only diagnosis: cluster status, the checks of `doctor`, and the `report` bundle.
