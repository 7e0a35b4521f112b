import sys
sys.path.insert(0, "/work/wt/replica18"); sys.path.insert(0, "tests"); sys.path.insert(0, "tests/ops")
from own_suite import ops_settings, own_database
from infra import replica as R
import subprocess, psycopg
with own_database(ops_settings("try", demo=False)) as own:
    p = own.cluster
    r = R.replica_cluster(p, "r1")
    R.ensure_replication_role(p)
    with psycopg.connect(p.conninfo(), autocommit=True) as conn:
        conn.execute("SELECT pg_create_physical_replication_slot('partygrid_r1', true)")
    for f in (r.root.parent, r.root):
        f.mkdir(exist_ok=True); R._own(f, p.run_as, 0o700)
    R._copy_secrets(p, r)
    R._base_backup(p, r, "partygrid_r1")
    try:
        r.start()
    except Exception as e:
        print(e)
    subprocess.run(["bash","-c",f"cat {r.log}; cat {r.data}/postgresql.auto.conf; ls -la {r.data}"])
    r.stop()
