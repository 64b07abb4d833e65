"""A fake Apache Ozone for the end-to-end suite of kubectl-ozone (a port of FakeOzone in
kubectl-ozone/src/testing.rs to real pods).

Modules, one per area:
  main        argv parsing, locking, dispatch to the areas below
  state       the per-namespace JSON state file, guarded by flock
  cluster     the namespace's pods, StatefulSets and ConfigMaps, read with kubectl
  common      results, OM errors, host names
  datanodes   datanode list / decommission / recommission / maintenance / status
  rings       om|scm roles, transfer, om|scm decommission; members follow the pods
  upgrade     om prepare / cancelprepare, finalizeupgrade, finalizationstatus, version
  snapshots   ozone sh snapshot ...
  s3          ozone s3 getsecret, ozone sh bucket create|list on /s3v
  certs       ozone admin cert list (secure clusters only)
  safemode    ozone admin safemode status|exit
  files       the non-Ozone commands: cat, rm -rf, python3 -c <restore script>
"""
