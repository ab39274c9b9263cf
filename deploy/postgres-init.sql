-- One database per node, owned by the user the nodes connect as; run by the
-- postgres image once, when its volume is new (docker-entrypoint-initdb.d).
CREATE DATABASE gemeente OWNER samenspraak;
CREATE DATABASE oosterpark OWNER samenspraak;
CREATE DATABASE wijert OWNER samenspraak;
