//! The notes printed after render (to stderr, on a terminal): what was rendered and what to do
//! next. Handlebars in strict mode with HTML escaping off — this is terminal text.

use crate::names::Names;
use crate::objects::config;
use crate::spec::Cluster;
use handlebars::Handlebars;
use ozone_storage::Component;
use ozone_storage::config::{ConfigFile, effective_port};
use serde::Serialize;

const TEMPLATE: &str = include_str!("../templates/notes.hbs");

#[derive(Serialize)]
struct ComponentLine {
    title: &'static str,
    replicas: i32,
    cpu: String,
    memory: String,
    storage: Option<String>,
}

#[derive(Serialize)]
struct Context {
    name: String,
    namespace: String,
    profile: String,
    components: Vec<ComponentLine>,
    default_fs: String,
    s3_endpoint: Option<String>,
    ha: bool,
    om_service_id: String,
    config_map: String,
}

/// Why the notes could not be rendered (a defect in the template).
#[derive(Debug, thiserror::Error)]
#[error("failed to render the notes: {0}")]
pub struct NotesError(String);

/// The notes for a rendered cluster.
pub fn render_notes(cluster: &Cluster) -> Result<String, NotesError> {
    let names: Names = cluster.names();
    let settings = config::settings(cluster);
    let s3_endpoint = cluster.component(Component::S3g).map(|_| {
        let port = Component::S3g.service().known_port("s3");
        format!(
            "http://{}:{}",
            names.service_host(Component::S3g),
            effective_port(port, &settings).unwrap_or(port.number)
        )
    });
    let context = Context {
        name: cluster.name.clone(),
        namespace: cluster.namespace.clone(),
        profile: cluster.profile.to_string(),
        components: cluster
            .components
            .iter()
            .map(|(c, s)| ComponentLine {
                title: c.title(),
                replicas: s.replicas,
                cpu: s.requests.cpu.as_str().to_owned(),
                memory: s.requests.memory.as_str().to_owned(),
                storage: s.storage.as_ref().map(|st| st.size.as_str().to_owned()),
            })
            .collect(),
        default_fs: settings
            .get(&ConfigFile::CoreSite)
            .and_then(|m| m.get("fs.defaultFS"))
            .cloned()
            .unwrap_or_default(),
        s3_endpoint,
        ha: cluster.is_ha(Component::Om),
        om_service_id: cluster
            .component(Component::Om)
            .map(|o| o.service_id.clone())
            .unwrap_or_default(),
        config_map: names.config_map(),
    };
    let mut hb = Handlebars::new();
    hb.set_strict_mode(true);
    hb.register_escape_fn(handlebars::no_escape);
    hb.render_template(TEMPLATE, &context)
        .map_err(|e| NotesError(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{Inputs, resolve};

    #[test]
    fn notes_name_the_endpoints() {
        let c = resolve(&Inputs::profile("medium")).unwrap();
        let text = render_notes(&c).unwrap();
        assert!(
            text.contains("S3 endpoint   http://ozone-s3g.ozone.svc.cluster.local:9878"),
            "{text}"
        );
        assert!(text.contains("fs.defaultFS  ofs://ozone/"), "{text}");
        assert!(
            text.contains("Datanode: 5 × 4 CPU, 16Gi, 1Ti volume"),
            "{text}"
        );
        assert!(text.contains("kubectl ozone status -n ozone"));
    }
}
