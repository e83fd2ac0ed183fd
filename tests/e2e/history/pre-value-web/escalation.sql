--
-- PostgreSQL database dump
--

\restrict RaXySLWqms9Kul0ghvIHtL0Ah26heM8ldel9CfGPu65SJzzUHkoO0z4GPsvCSpt

-- Dumped from database version 18.6
-- Dumped by pg_dump version 18.6

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET transaction_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: alembic_version; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.alembic_version (
    version_num character varying(32) NOT NULL
);


--
-- Name: config_versions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.config_versions (
    party text NOT NULL,
    kind text NOT NULL,
    version integer NOT NULL,
    document jsonb NOT NULL,
    recorded_at timestamp with time zone NOT NULL,
    recorded_by text NOT NULL,
    CONSTRAINT config_versions_kind_check CHECK ((kind = ANY (ARRAY['tiers'::text, 'profile'::text, 'rules'::text])))
);


--
-- Name: dead_letters; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.dead_letters (
    id bigint NOT NULL,
    consumer text NOT NULL,
    topic text NOT NULL,
    event_id text,
    stream_id text,
    error text NOT NULL,
    headers jsonb NOT NULL,
    value bytea,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    replayed_at timestamp with time zone
);


--
-- Name: dead_letters_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.dead_letters_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: dead_letters_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.dead_letters_id_seq OWNED BY public.dead_letters.id;


--
-- Name: decisions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.decisions (
    decision_id uuid NOT NULL,
    incident_id text NOT NULL,
    seq bigint NOT NULL,
    kind text NOT NULL,
    trigger text NOT NULL,
    from_party text,
    from_tier text,
    to_party text NOT NULL,
    to_tier text NOT NULL,
    basis jsonb NOT NULL,
    reason text NOT NULL,
    decided_at timestamp with time zone NOT NULL,
    status text NOT NULL,
    attempts integer DEFAULT 0 NOT NULL,
    next_attempt_at timestamp with time zone NOT NULL,
    last_error text,
    outcome_at timestamp with time zone,
    problem jsonb,
    traceparent text,
    CONSTRAINT decisions_status_check CHECK ((status = ANY (ARRAY['pending'::text, 'applied'::text, 'failed'::text])))
);


--
-- Name: decisions_seq_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.decisions_seq_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: decisions_seq_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.decisions_seq_seq OWNED BY public.decisions.seq;


--
-- Name: events; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.events (
    id bigint NOT NULL,
    tx_id xid8 DEFAULT pg_current_xact_id() NOT NULL,
    "position" bigint,
    event_id uuid NOT NULL,
    stream_id text NOT NULL,
    stream_version integer NOT NULL,
    type text NOT NULL,
    data jsonb NOT NULL,
    metadata jsonb NOT NULL,
    recorded_at timestamp with time zone NOT NULL,
    published_at timestamp with time zone
);


--
-- Name: events_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.events_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: events_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.events_id_seq OWNED BY public.events.id;


--
-- Name: handled_events; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.handled_events (
    consumer text NOT NULL,
    event_id uuid NOT NULL,
    handled_at timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: idempotency_keys; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.idempotency_keys (
    party text NOT NULL,
    key text NOT NULL,
    method text NOT NULL,
    path text NOT NULL,
    request_hash text NOT NULL,
    status_code integer NOT NULL,
    headers jsonb NOT NULL,
    body jsonb,
    created_at timestamp with time zone NOT NULL,
    expires_at timestamp with time zone NOT NULL
);


--
-- Name: incident_escalation; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.incident_escalation (
    incident_id text NOT NULL,
    customer text NOT NULL,
    partner text NOT NULL,
    provider text NOT NULL,
    severity text NOT NULL,
    product text NOT NULL,
    title text NOT NULL,
    status text NOT NULL,
    opened_at timestamp with time zone NOT NULL,
    tier_party text,
    tier text,
    entered_at timestamp with time zone,
    traceparent text,
    state jsonb NOT NULL
);


--
-- Name: sla_clocks; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.sla_clocks (
    incident_id text NOT NULL,
    contract_id text NOT NULL,
    clock text NOT NULL,
    contract_kind text NOT NULL,
    owing text NOT NULL,
    state text NOT NULL,
    due_at timestamp with time zone,
    updated_at timestamp with time zone NOT NULL,
    owed text
);


--
-- Name: stream_positions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.stream_positions (
    consumer text NOT NULL,
    stream_id text NOT NULL,
    version integer NOT NULL
);


--
-- Name: timers; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.timers (
    key text NOT NULL,
    due_at timestamp with time zone NOT NULL,
    payload jsonb DEFAULT '{}'::jsonb NOT NULL,
    scheduled_at timestamp with time zone NOT NULL,
    attempts integer DEFAULT 0 NOT NULL,
    last_error text
);


--
-- Name: dead_letters id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.dead_letters ALTER COLUMN id SET DEFAULT nextval('public.dead_letters_id_seq'::regclass);


--
-- Name: decisions seq; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.decisions ALTER COLUMN seq SET DEFAULT nextval('public.decisions_seq_seq'::regclass);


--
-- Name: events id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.events ALTER COLUMN id SET DEFAULT nextval('public.events_id_seq'::regclass);


--
-- Data for Name: alembic_version; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.alembic_version (version_num) FROM stdin;
0002
\.


--
-- Data for Name: config_versions; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.config_versions (party, kind, version, document, recorded_at, recorded_by) FROM stdin;
acme	tiers	1	{"tiers": [{"name": "TAC L1", "policy": {"ack_minutes": 15, "progress_minutes": 60, "sla_warning_percent": 90}}, {"name": "TAC L2", "policy": {"ack_minutes": 15, "progress_minutes": 120, "sla_warning_percent": null}}, {"name": "Engineering L3", "policy": {"ack_minutes": null, "progress_minutes": null, "sla_warning_percent": null}}], "ceiling": "Engineering L3"}	2026-12-02 07:58:33.397856+00	acme/acme-user
northwind	tiers	1	{"tiers": [{"name": "L1", "policy": {"ack_minutes": 30, "progress_minutes": 120, "sla_warning_percent": 75}}, {"name": "L2", "policy": {"ack_minutes": 30, "progress_minutes": 240, "sla_warning_percent": null}}], "ceiling": null}	2026-12-02 07:58:33.416243+00	northwind/northwind-user
contoso	tiers	1	{"tiers": [{"name": "L1", "policy": {"ack_minutes": 30, "progress_minutes": null, "sla_warning_percent": 75}}], "ceiling": null}	2026-12-02 07:58:33.439291+00	contoso/contoso-user
northwind	profile	1	{"level": "premier", "specialisations": ["routers"]}	2026-12-02 07:58:33.451247+00	acme/acme-user
contoso	profile	1	{"level": "select", "specialisations": ["firewalls"]}	2026-12-02 07:58:33.462195+00	acme/acme-user
acme	rules	1	{"rules": [{"id": "s1-uncertified", "match": {"partners": null, "products": null, "customers": null, "severities": ["S1"], "partner_levels": null, "partner_certified": false}, "priority": 10, "route_to": {"tier": "TAC L2", "party": "acme"}, "description": "S1 for a product the owning partner is not certified for: straight to TAC L2"}, {"id": "uncertified", "match": {"partners": null, "products": null, "customers": null, "severities": null, "partner_levels": null, "partner_certified": false}, "priority": 100, "route_to": {"tier": "TAC L1", "party": "acme"}, "description": "A product the owning partner is not certified for: TAC L1"}]}	2026-12-02 07:58:33.468789+00	acme/acme-user
northwind	rules	1	{"rules": [{"id": "s1-routers", "match": {"partners": null, "products": ["routers"], "customers": null, "severities": ["S1"], "partner_levels": null, "partner_certified": null}, "priority": 50, "route_to": {"tier": "L2", "party": "northwind"}, "description": "S1 router incidents start at L2"}]}	2026-12-02 07:58:33.477449+00	northwind/northwind-user
\.


--
-- Data for Name: dead_letters; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.dead_letters (id, consumer, topic, event_id, stream_id, error, headers, value, created_at, replayed_at) FROM stdin;
\.


--
-- Data for Name: decisions; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.decisions (decision_id, incident_id, seq, kind, trigger, from_party, from_tier, to_party, to_tier, basis, reason, decided_at, status, attempts, next_attempt_at, last_error, outcome_at, problem, traceparent) FROM stdin;
2fefc332-6322-5c30-a3d4-64ad351ee0bd	20dd4880-f1ff-4553-93aa-dfa0bb3a85e7	1	route	opened	\N	\N	northwind	L2	{"id": "s1-routers", "type": "rule", "party": "northwind", "version": 1}	S1 for routers (rule s1-routers of northwind, v1)	2026-12-02 07:58:38.833545+00	applied	1	2026-12-02 07:59:39.08111+00	\N	2026-12-02 07:58:39.160069+00	\N	00-ff3756697341c0ef2065fadc5bce458d-a0a77436ae43aadd-02
585c9158-0321-5c13-8458-d448b1fff577	e83e2e4f-d735-44e4-a1c0-285572c6af05	3	route	opened	\N	\N	northwind	L1	{"tier": "L1", "type": "default", "party": "northwind", "version": 1}	no routing rule matched: northwind's first tier, L1 (default)	2026-12-02 07:58:38.861338+00	applied	1	2026-12-02 07:59:39.187925+00	\N	2026-12-02 07:58:39.219788+00	\N	00-d551615fff83e3cea88ed011c0742052-89cce4bc3c8db150-02
bc1ea7cd-af86-5f09-b28f-ea0f5f7fb8e6	4d1d5197-d460-416c-b801-4540f4b5c79f	2	route	opened	\N	\N	acme	TAC L1	{"id": "uncertified", "type": "rule", "party": "acme", "version": 1}	S3 for routers: contoso is not certified for routers (rule uncertified of acme, v1)	2026-12-02 07:58:38.849549+00	applied	1	2026-12-02 07:59:39.187925+00	\N	2026-12-02 07:58:39.225414+00	\N	00-4755138beec4634b8cc121faf329b2f3-c3cc788a88374265-02
dd1965c2-1c0d-5207-bc4e-733a558a70b2	4d1d5197-d460-416c-b801-4540f4b5c79f	4	hand_back	resolved	acme	TAC L1	contoso	L1	{"type": "hand_back"}	resolved at acme TAC L1: handed back to contoso L1	2026-12-02 07:58:43.302686+00	failed	1	2026-12-02 07:59:43.608822+00	\N	2026-12-02 07:58:43.637186+00	{"type": "/problems/invalid-transition", "title": "Conflict", "detail": "cannot assign an incident that is closed", "status": 409}	00-e8697f8037bdbd3b929981561d955d7f-5c34980b9a9b5ca7-02
\.


--
-- Data for Name: events; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.events (id, tx_id, "position", event_id, stream_id, stream_version, type, data, metadata, recorded_at, published_at) FROM stdin;
1	771	1	008293ee-f768-42a6-a3d4-6b5755c3b633	config:acme:tiers	1	village.escalation.config_revised.v1	{"kind": "tiers", "party": "acme", "version": 1, "document": {"tiers": [{"name": "TAC L1", "policy": {"ack_minutes": 15, "progress_minutes": 60, "sla_warning_percent": 90}}, {"name": "TAC L2", "policy": {"ack_minutes": 15, "progress_minutes": 120, "sla_warning_percent": null}}, {"name": "Engineering L3", "policy": {"ack_minutes": null, "progress_minutes": null, "sla_warning_percent": null}}], "ceiling": "Engineering L3"}}	{"parties": ["acme"], "provider": "acme", "actor_kind": "provider", "actor_user": "acme-user", "visibility": "shared", "actor_party": "acme", "traceparent": "00-dd8adf4e279d9afbbc09533076e1dbe6-7000174cc836ef7a-02", "correlation_id": "4c22afac-216f-4971-8908-1b14c8ef842b"}	2026-12-02 07:58:33.398868+00	2026-12-02 07:58:33.41558+00
2	772	2	744c6e92-80d3-453b-b042-33d382186f8c	config:northwind:tiers	1	village.escalation.config_revised.v1	{"kind": "tiers", "party": "northwind", "version": 1, "document": {"tiers": [{"name": "L1", "policy": {"ack_minutes": 30, "progress_minutes": 120, "sla_warning_percent": 75}}, {"name": "L2", "policy": {"ack_minutes": 30, "progress_minutes": 240, "sla_warning_percent": null}}], "ceiling": null}}	{"parties": ["acme", "northwind"], "provider": "acme", "actor_kind": "partner", "actor_user": "northwind-user", "visibility": "shared", "actor_party": "northwind", "traceparent": "00-ac0762965a705ee785dd2cd9cf7651a2-639542a269c22c98-02", "correlation_id": "c6a7fe0f-86f4-42f5-844d-5f2ee7cd59a4"}	2026-12-02 07:58:33.418291+00	2026-12-02 07:58:33.434448+00
3	774	3	e6b737b7-961a-4caa-9466-fbc1ac9ccc5c	config:contoso:tiers	1	village.escalation.config_revised.v1	{"kind": "tiers", "party": "contoso", "version": 1, "document": {"tiers": [{"name": "L1", "policy": {"ack_minutes": 30, "progress_minutes": null, "sla_warning_percent": 75}}], "ceiling": null}}	{"parties": ["acme", "contoso"], "provider": "acme", "actor_kind": "partner", "actor_user": "contoso-user", "visibility": "shared", "actor_party": "contoso", "traceparent": "00-a3d22b05980f8722dcf655ae30a680e6-58f2c4b65be532d6-02", "correlation_id": "e892d7f8-f9a9-4072-ad3c-553a7a7f1885"}	2026-12-02 07:58:33.439797+00	2026-12-02 07:58:33.450779+00
4	776	4	60fbbda9-dfe0-4a99-8a67-2c06590f2c79	config:northwind:profile	1	village.escalation.config_revised.v1	{"kind": "profile", "party": "northwind", "version": 1, "document": {"level": "premier", "specialisations": ["routers"]}}	{"parties": ["acme", "northwind"], "provider": "acme", "actor_kind": "provider", "actor_user": "acme-user", "visibility": "shared", "actor_party": "acme", "traceparent": "00-e377130b39f5a05398afde0b0d5261bc-050ec7e9c34d10d9-02", "correlation_id": "67f74fe5-c88d-4c24-b3b9-502cb2f8f614"}	2026-12-02 07:58:33.451622+00	2026-12-02 07:58:33.460143+00
5	779	5	04734643-9aea-4c75-b8cf-4c073858b7cc	config:contoso:profile	1	village.escalation.config_revised.v1	{"kind": "profile", "party": "contoso", "version": 1, "document": {"level": "select", "specialisations": ["firewalls"]}}	{"parties": ["acme", "contoso"], "provider": "acme", "actor_kind": "provider", "actor_user": "acme-user", "visibility": "shared", "actor_party": "acme", "traceparent": "00-3215bafb04364488914ca892e26ae4f6-42711a1e903e48e5-02", "correlation_id": "9430aa82-c7c8-4816-a647-968dedb36373"}	2026-12-02 07:58:33.462574+00	2026-12-02 07:58:33.470596+00
6	780	6	cc75ba81-ff8a-4d7c-a467-a7bb349fd71b	config:acme:rules	1	village.escalation.config_revised.v1	{"kind": "rules", "party": "acme", "version": 1, "document": {"rules": [{"id": "s1-uncertified", "match": {"partners": null, "products": null, "customers": null, "severities": ["S1"], "partner_levels": null, "partner_certified": false}, "priority": 10, "route_to": {"tier": "TAC L2", "party": "acme"}, "description": "S1 for a product the owning partner is not certified for: straight to TAC L2"}, {"id": "uncertified", "match": {"partners": null, "products": null, "customers": null, "severities": null, "partner_levels": null, "partner_certified": false}, "priority": 100, "route_to": {"tier": "TAC L1", "party": "acme"}, "description": "A product the owning partner is not certified for: TAC L1"}]}}	{"parties": ["acme"], "provider": "acme", "actor_kind": "provider", "actor_user": "acme-user", "visibility": "shared", "actor_party": "acme", "traceparent": "00-db1b43bd6fcd048534284a1808bf6c07-099a8a48bf49aa1b-02", "correlation_id": "1e0e8227-8c03-47f4-bd60-79846ed86807"}	2026-12-02 07:58:33.469337+00	2026-12-02 07:58:33.475527+00
7	783	7	dd3a7578-90a4-4236-840a-360dd83a8cf4	config:northwind:rules	1	village.escalation.config_revised.v1	{"kind": "rules", "party": "northwind", "version": 1, "document": {"rules": [{"id": "s1-routers", "match": {"partners": null, "products": ["routers"], "customers": null, "severities": ["S1"], "partner_levels": null, "partner_certified": null}, "priority": 50, "route_to": {"tier": "L2", "party": "northwind"}, "description": "S1 router incidents start at L2"}]}}	{"parties": ["acme", "northwind"], "provider": "acme", "actor_kind": "partner", "actor_user": "northwind-user", "visibility": "shared", "actor_party": "northwind", "traceparent": "00-e7f04d9c0eeee7a9dbb60a98ae2d9835-35f2f4494397201f-02", "correlation_id": "60a6d189-a8b4-49a0-9f3d-a3bb92507933"}	2026-12-02 07:58:33.477967+00	2026-12-02 07:58:33.482299+00
8	899	8	2fefc332-6322-5c30-a3d4-64ad351ee0bd	20dd4880-f1ff-4553-93aa-dfa0bb3a85e7	1	village.escalation.decided.v1	{"at": "2026-12-02T07:58:38.833545+00:00", "to": {"tier": "L2", "party": "northwind"}, "from": null, "kind": "route", "basis": {"id": "s1-routers", "type": "rule", "party": "northwind", "version": 1}, "reason": "S1 for routers (rule s1-routers of northwind, v1)", "trigger": "opened", "decision_id": "2fefc332-6322-5c30-a3d4-64ad351ee0bd", "incident_id": "20dd4880-f1ff-4553-93aa-dfa0bb3a85e7"}	{"parties": ["acme", "northwind"], "provider": "acme", "actor_kind": "service", "actor_user": "escalation", "visibility": "shared", "actor_party": "escalation", "traceparent": "00-ff3756697341c0ef2065fadc5bce458d-a0a77436ae43aadd-02"}	2026-12-02 07:58:39.069486+00	2026-12-02 07:58:39.09061+00
11	911	11	860ec389-1fbf-57e4-9e65-795345326636	20dd4880-f1ff-4553-93aa-dfa0bb3a85e7	2	village.escalation.applied.v1	{"at": "2026-12-02T07:58:39.160069+00:00", "to": {"tier": "L2", "party": "northwind"}, "kind": "route", "decision_id": "2fefc332-6322-5c30-a3d4-64ad351ee0bd", "incident_id": "20dd4880-f1ff-4553-93aa-dfa0bb3a85e7"}	{"parties": ["acme", "northwind"], "provider": "acme", "actor_kind": "service", "actor_user": "escalation", "visibility": "shared", "actor_party": "escalation", "traceparent": "00-ff3756697341c0ef2065fadc5bce458d-a0a77436ae43aadd-02"}	2026-12-02 07:58:39.175742+00	2026-12-02 07:58:39.205743+00
9	902	9	bc1ea7cd-af86-5f09-b28f-ea0f5f7fb8e6	4d1d5197-d460-416c-b801-4540f4b5c79f	1	village.escalation.decided.v1	{"at": "2026-12-02T07:58:38.849549+00:00", "to": {"tier": "TAC L1", "party": "acme"}, "from": null, "kind": "route", "basis": {"id": "uncertified", "type": "rule", "party": "acme", "version": 1}, "reason": "S3 for routers: contoso is not certified for routers (rule uncertified of acme, v1)", "trigger": "opened", "decision_id": "bc1ea7cd-af86-5f09-b28f-ea0f5f7fb8e6", "incident_id": "4d1d5197-d460-416c-b801-4540f4b5c79f"}	{"parties": ["acme", "contoso"], "provider": "acme", "actor_kind": "service", "actor_user": "escalation", "visibility": "shared", "actor_party": "escalation", "traceparent": "00-4755138beec4634b8cc121faf329b2f3-c3cc788a88374265-02"}	2026-12-02 07:58:39.101959+00	2026-12-02 07:58:39.120221+00
10	906	10	585c9158-0321-5c13-8458-d448b1fff577	e83e2e4f-d735-44e4-a1c0-285572c6af05	1	village.escalation.decided.v1	{"at": "2026-12-02T07:58:38.861338+00:00", "to": {"tier": "L1", "party": "northwind"}, "from": null, "kind": "route", "basis": {"tier": "L1", "type": "default", "party": "northwind", "version": 1}, "reason": "no routing rule matched: northwind's first tier, L1 (default)", "trigger": "opened", "decision_id": "585c9158-0321-5c13-8458-d448b1fff577", "incident_id": "e83e2e4f-d735-44e4-a1c0-285572c6af05"}	{"parties": ["acme", "northwind"], "provider": "acme", "actor_kind": "service", "actor_user": "escalation", "visibility": "shared", "actor_party": "escalation", "traceparent": "00-d551615fff83e3cea88ed011c0742052-89cce4bc3c8db150-02"}	2026-12-02 07:58:39.14415+00	2026-12-02 07:58:39.180341+00
13	920	13	776a954a-6689-5804-aab5-17900f369172	4d1d5197-d460-416c-b801-4540f4b5c79f	2	village.escalation.applied.v1	{"at": "2026-12-02T07:58:39.225414+00:00", "to": {"tier": "TAC L1", "party": "acme"}, "kind": "route", "decision_id": "bc1ea7cd-af86-5f09-b28f-ea0f5f7fb8e6", "incident_id": "4d1d5197-d460-416c-b801-4540f4b5c79f"}	{"parties": ["acme", "contoso"], "provider": "acme", "actor_kind": "service", "actor_user": "escalation", "visibility": "shared", "actor_party": "escalation", "traceparent": "00-4755138beec4634b8cc121faf329b2f3-c3cc788a88374265-02"}	2026-12-02 07:58:39.230713+00	2026-12-02 07:58:39.237396+00
14	1105	14	dd1965c2-1c0d-5207-bc4e-733a558a70b2	4d1d5197-d460-416c-b801-4540f4b5c79f	3	village.escalation.decided.v1	{"at": "2026-12-02T07:58:43.302686+00:00", "to": {"tier": "L1", "party": "contoso"}, "from": {"tier": "TAC L1", "party": "acme"}, "kind": "hand_back", "basis": {"type": "hand_back"}, "reason": "resolved at acme TAC L1: handed back to contoso L1", "trigger": "resolved", "decision_id": "dd1965c2-1c0d-5207-bc4e-733a558a70b2", "incident_id": "4d1d5197-d460-416c-b801-4540f4b5c79f"}	{"parties": ["acme", "contoso"], "provider": "acme", "actor_kind": "service", "actor_user": "escalation", "visibility": "shared", "actor_party": "escalation", "traceparent": "00-e8697f8037bdbd3b929981561d955d7f-5c34980b9a9b5ca7-02"}	2026-12-02 07:58:43.604623+00	2026-12-02 07:58:43.623686+00
15	1112	15	17e7aac7-4b62-5ccf-81aa-7d4ef0143dcb	4d1d5197-d460-416c-b801-4540f4b5c79f	4	village.escalation.failed.v1	{"at": "2026-12-02T07:58:43.637186+00:00", "to": {"tier": "L1", "party": "contoso"}, "kind": "hand_back", "problem": {"type": "/problems/invalid-transition", "title": "Conflict", "detail": "cannot assign an incident that is closed", "status": 409}, "decision_id": "dd1965c2-1c0d-5207-bc4e-733a558a70b2", "incident_id": "4d1d5197-d460-416c-b801-4540f4b5c79f"}	{"parties": ["acme", "contoso"], "provider": "acme", "actor_kind": "service", "actor_user": "escalation", "visibility": "shared", "actor_party": "escalation", "traceparent": "00-e8697f8037bdbd3b929981561d955d7f-5c34980b9a9b5ca7-02"}	2026-12-02 07:58:43.639114+00	2026-12-02 07:58:43.643412+00
12	919	12	60f953a1-cc2a-523a-b0a7-79fb3945ba13	e83e2e4f-d735-44e4-a1c0-285572c6af05	2	village.escalation.applied.v1	{"at": "2026-12-02T07:58:39.219788+00:00", "to": {"tier": "L1", "party": "northwind"}, "kind": "route", "decision_id": "585c9158-0321-5c13-8458-d448b1fff577", "incident_id": "e83e2e4f-d735-44e4-a1c0-285572c6af05"}	{"parties": ["acme", "northwind"], "provider": "acme", "actor_kind": "service", "actor_user": "escalation", "visibility": "shared", "actor_party": "escalation", "traceparent": "00-d551615fff83e3cea88ed011c0742052-89cce4bc3c8db150-02"}	2026-12-02 07:58:39.221313+00	2026-12-02 07:58:39.227211+00
\.


--
-- Data for Name: handled_events; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.handled_events (consumer, event_id, handled_at) FROM stdin;
escalation-sla	f8ef98f5-5bc3-4143-b48e-207161d0f6cb	2026-12-02 07:58:38.326437+00
escalation-sla	f6c2e3e6-0157-47f1-a517-1b37f68956ac	2026-12-02 07:58:38.348005+00
escalation-sla	6e17bf2c-c569-4824-b9f1-dfc84169f923	2026-12-02 07:58:38.366673+00
escalation-sla	8371bc07-cf8e-4ab2-b905-1ea373a330e2	2026-12-02 07:58:38.383376+00
escalation-sla	e7e38d81-d022-5d60-9425-f1d7f5ccfaa1	2026-12-02 07:58:39.076324+00
escalation	e10bf4d1-7b00-4f19-a24d-13c7644b794d	2026-12-02 07:58:39.078065+00
escalation-sla	d4ae04ab-84c7-596c-8643-8204336bce0d	2026-12-02 07:58:39.099309+00
escalation	a42edbc2-d461-419f-9d35-b18c00abb986	2026-12-02 07:58:39.108214+00
escalation	56b01d5a-88ce-4d30-a063-2ec4bf8fd8e9	2026-12-02 07:58:39.155748+00
escalation	3d8f7635-79dd-42e7-90ed-333bf062e9a8	2026-12-02 07:58:39.322719+00
escalation	79406af4-3887-4a48-9b24-a4337add5c5f	2026-12-02 07:58:39.340228+00
escalation-sla	0e22c6c7-b14e-5b87-b850-cc75b42871f1	2026-12-02 07:58:39.340069+00
escalation	eb499cab-4ed8-4fa1-8dfc-be334310de5c	2026-12-02 07:58:39.354611+00
escalation-sla	c5ee4e64-1e9f-53c1-8220-6be322fc38c0	2026-12-02 07:58:39.373002+00
escalation-sla	748644e3-3f98-5d1c-a692-a2b1e2c6dbb9	2026-12-02 07:58:39.402938+00
escalation-sla	0e9747c8-f5da-5655-9752-c634f83d5f3e	2026-12-02 07:58:39.425293+00
escalation	9a0e30e0-2351-474e-8549-996899ee2603	2026-12-02 07:58:39.569468+00
escalation-sla	42b9253e-2dd2-5253-ab59-2ec09029217e	2026-12-02 07:58:39.570822+00
escalation-sla	73ec7577-598f-525b-93ef-287b45703f94	2026-12-02 07:58:39.582361+00
escalation	568a11b4-2240-4400-bd70-d7ef3d50d089	2026-12-02 07:58:39.584908+00
escalation	d50c8350-2095-4a4e-ac21-1c4a873e2581	2026-12-02 07:58:39.614742+00
escalation-sla	b24fd9c1-c465-52cb-b273-d2e886c36ef9	2026-12-02 07:58:39.62131+00
escalation	9dfab168-3e4f-457a-bf8d-b1a7ba8c4a80	2026-12-02 07:58:39.641594+00
escalation	e858d006-91a7-405e-830a-a6db2b2652bd	2026-12-02 07:58:39.656202+00
escalation	02ef7cce-52cd-4f97-86fd-5e63055089de	2026-12-02 07:58:39.669382+00
escalation-sla	a08158b0-ae57-50f6-b849-d3639c4922c1	2026-12-02 07:58:39.674945+00
escalation	09a86dcc-76dd-4089-865b-d73c8d66cfc3	2026-12-02 07:58:39.683976+00
escalation	4a510e17-86b8-4967-89d1-5db95a36e774	2026-12-02 07:58:39.697805+00
escalation	48f034c3-9f9c-464b-bf89-de46b6971c44	2026-12-02 07:58:39.708784+00
escalation	b609f8ce-a257-4d5b-9157-16831a034405	2026-12-02 07:58:39.718214+00
escalation	1fe0760d-64be-48c4-9fce-74f08d8dc3dd	2026-12-02 07:58:39.727088+00
escalation	7c84d688-b18f-477d-9dd3-1dbd503763ba	2026-12-02 07:58:39.73289+00
escalation	e0be925e-2975-4a44-a754-fb6d8ad297a7	2026-12-02 07:58:39.738855+00
escalation	abeab08c-8e20-4dad-9afb-686ec9602f09	2026-12-02 07:58:39.758222+00
escalation	a6e309e8-86c8-40ee-a3c3-7ea839d802ba	2026-12-02 07:58:39.773202+00
escalation	c927a1ab-2879-48d2-87cb-ac56425c9e70	2026-12-02 07:58:39.78123+00
escalation	b60243ae-fad5-4703-97ae-5c9b43b7e069	2026-12-02 07:58:39.793436+00
escalation	3e77e005-9ebe-4dc1-b87a-1c423d6e2f20	2026-12-02 07:58:39.805363+00
escalation	bd2b6200-ac2c-4658-9148-fdad0c7cb92e	2026-12-02 07:58:39.811625+00
escalation	55832dd4-69b0-4d98-b5be-f7a25d540a85	2026-12-02 07:58:39.825549+00
escalation	58353341-bcb6-45e0-9640-187ef5af875e	2026-12-02 07:58:39.835661+00
escalation-sla	e8bd85aa-9827-5c1a-a7f3-0c6cfce95cf4	2026-12-02 07:58:39.836073+00
escalation	61266e7b-917d-4258-bdd2-1ded16517e8f	2026-12-02 07:58:39.842122+00
escalation-sla	2d54379d-cecf-577b-a39d-f21d1d6edec0	2026-12-02 07:58:39.851918+00
escalation-sla	95c39cec-655f-59e8-b3d3-bbba637944b1	2026-12-02 07:58:39.855917+00
escalation-sla	03821a16-153f-57df-812c-90aef4c08ea5	2026-12-02 07:58:39.879204+00
escalation-sla	e7a9e876-ca32-59a8-9f17-70b6a6d7a69b	2026-12-02 07:58:39.890002+00
escalation-sla	c8d7d54b-c70b-5860-b5f6-22b5a7f32057	2026-12-02 07:58:40.084424+00
escalation-sla	972e7391-4b96-5d90-b2a8-63243c7f8436	2026-12-02 07:58:40.092918+00
escalation	9c57756c-1eb9-4f2b-9ec1-682dce3b0f87	2026-12-02 07:58:43.313343+00
escalation-sla	9837f45c-c80c-57fd-8967-450b5c05732b	2026-12-02 07:58:43.474699+00
escalation-sla	e86ac1c5-647e-5944-970b-a1948f628e56	2026-12-02 07:58:43.478381+00
escalation-sla	eac849c2-3545-5b13-a357-d8fab7114cbd	2026-12-02 07:58:43.483036+00
escalation-sla	b768f117-0595-5a4c-b6db-993e11ed5cd0	2026-12-02 07:58:43.498379+00
escalation-sla	6dc78798-92e1-5801-a96a-8f6905f9925b	2026-12-02 07:58:43.507027+00
escalation	dc1b2857-4064-4b74-abcb-26457720acc4	2026-12-02 07:58:43.563986+00
escalation	5a4c777b-006b-4acf-b3cf-6538fc8b95b0	2026-12-02 07:58:43.568753+00
escalation	0076f452-879c-4ac3-827e-2b3d1c1c83fb	2026-12-02 07:58:43.587909+00
escalation	a5374b6e-d11a-4e28-9a1b-197718251b07	2026-12-02 07:58:43.606123+00
escalation	1dedc117-eae8-4a24-a272-77ec20d190c2	2026-12-02 07:58:43.616652+00
escalation-sla	822ad568-cb74-55af-8ebc-0476ea577e26	2026-12-02 07:58:43.732218+00
\.


--
-- Data for Name: idempotency_keys; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.idempotency_keys (party, key, method, path, request_hash, status_code, headers, body, created_at, expires_at) FROM stdin;
\.


--
-- Data for Name: incident_escalation; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.incident_escalation (incident_id, customer, partner, provider, severity, product, title, status, opened_at, tier_party, tier, entered_at, traceparent, state) FROM stdin;
20dd4880-f1ff-4553-93aa-dfa0bb3a85e7	initech	northwind	acme	S1	routers	Core router down	closed	2026-12-02 07:58:38.833545+00	northwind	L2	2026-12-02 07:58:39.142622+00	00-ff3756697341c0ef2065fadc5bce458d-ac45e71b9b3e8fcc-02	{"done": true, "path": [{"at": "2026-12-02T07:58:39.142622Z", "tier": "L2", "party": "northwind", "decision_id": "2fefc332-6322-5c30-a3d4-64ad351ee0bd"}], "ladder": {"rungs": [{"tier": "L1", "party": "northwind", "version": 1, "ack_minutes": 30, "progress_minutes": 120, "sla_warning_percent": 75}, {"tier": "L2", "party": "northwind", "version": 1, "ack_minutes": 30, "progress_minutes": 240, "sla_warning_percent": null}, {"tier": "TAC L1", "party": "acme", "version": 1, "ack_minutes": 15, "progress_minutes": 60, "sla_warning_percent": 90}, {"tier": "TAC L2", "party": "acme", "version": 1, "ack_minutes": 15, "progress_minutes": 120, "sla_warning_percent": null}, {"tier": "Engineering L3", "party": "acme", "version": 1, "ack_minutes": null, "progress_minutes": null, "sla_warning_percent": null}], "partner": "northwind", "ceilings": {"acme": "Engineering L3"}, "provider": "acme"}, "pinned": {"rules/acme": 1, "tiers/acme": 1, "rules/northwind": 1, "tiers/northwind": 1, "profile/northwind": 1}, "status": "closed", "current": {"tier": "L2", "party": "northwind"}, "decided": ["2fefc332-6322-5c30-a3d4-64ad351ee0bd"], "partner": "northwind", "pending": null, "product": "routers", "customer": "initech", "provider": "acme", "severity": "S1", "opened_at": "2026-12-02T07:58:38.833545Z", "entered_at": "2026-12-02T07:58:39.142622Z", "pending_to": null, "entered_seq": 1, "incident_id": "20dd4880-f1ff-4553-93aa-dfa0bb3a85e7", "progress_seq": 6, "resolved_seq": 1, "acknowledged_by": ["northwind", "acme"], "last_progress_at": "2026-12-02T07:58:39.537999Z", "last_partner_tier": {"tier": "L2", "party": "northwind"}}
e83e2e4f-d735-44e4-a1c0-285572c6af05	initech	northwind	acme	S2	routers	VPN tunnel flapping	closed	2026-12-02 07:58:38.861338+00	northwind	L1	2026-12-02 07:58:39.213924+00	00-d551615fff83e3cea88ed011c0742052-7f8d24e9c31db837-02	{"done": true, "path": [{"at": "2026-12-02T07:58:39.213924Z", "tier": "L1", "party": "northwind", "decision_id": "585c9158-0321-5c13-8458-d448b1fff577"}], "ladder": {"rungs": [{"tier": "L1", "party": "northwind", "version": 1, "ack_minutes": 30, "progress_minutes": 120, "sla_warning_percent": 75}, {"tier": "L2", "party": "northwind", "version": 1, "ack_minutes": 30, "progress_minutes": 240, "sla_warning_percent": null}, {"tier": "TAC L1", "party": "acme", "version": 1, "ack_minutes": 15, "progress_minutes": 60, "sla_warning_percent": 90}, {"tier": "TAC L2", "party": "acme", "version": 1, "ack_minutes": 15, "progress_minutes": 120, "sla_warning_percent": null}, {"tier": "Engineering L3", "party": "acme", "version": 1, "ack_minutes": null, "progress_minutes": null, "sla_warning_percent": null}], "partner": "northwind", "ceilings": {"acme": "Engineering L3"}, "provider": "acme"}, "pinned": {"rules/acme": 1, "tiers/acme": 1, "rules/northwind": 1, "tiers/northwind": 1, "profile/northwind": 1}, "status": "closed", "current": {"tier": "L1", "party": "northwind"}, "decided": ["585c9158-0321-5c13-8458-d448b1fff577"], "partner": "northwind", "pending": null, "product": "routers", "customer": "initech", "provider": "acme", "severity": "S2", "opened_at": "2026-12-02T07:58:38.861338Z", "entered_at": "2026-12-02T07:58:39.213924Z", "pending_to": null, "entered_seq": 1, "incident_id": "e83e2e4f-d735-44e4-a1c0-285572c6af05", "progress_seq": 3, "resolved_seq": 1, "acknowledged_by": ["northwind"], "last_progress_at": "2026-12-02T07:58:39.499085Z", "last_partner_tier": {"tier": "L1", "party": "northwind"}}
4d1d5197-d460-416c-b801-4540f4b5c79f	umbrella	contoso	acme	S3	routers	Slow VPN	closed	2026-12-02 07:58:38.849549+00	acme	TAC L1	2026-12-02 07:58:39.21564+00	00-4755138beec4634b8cc121faf329b2f3-7eb22e82d414161c-02	{"done": true, "path": [{"at": "2026-12-02T07:58:39.215640Z", "tier": "TAC L1", "party": "acme", "decision_id": "bc1ea7cd-af86-5f09-b28f-ea0f5f7fb8e6"}], "ladder": {"rungs": [{"tier": "L1", "party": "contoso", "version": 1, "ack_minutes": 30, "progress_minutes": null, "sla_warning_percent": 75}, {"tier": "TAC L1", "party": "acme", "version": 1, "ack_minutes": 15, "progress_minutes": 60, "sla_warning_percent": 90}, {"tier": "TAC L2", "party": "acme", "version": 1, "ack_minutes": 15, "progress_minutes": 120, "sla_warning_percent": null}, {"tier": "Engineering L3", "party": "acme", "version": 1, "ack_minutes": null, "progress_minutes": null, "sla_warning_percent": null}], "partner": "contoso", "ceilings": {"acme": "Engineering L3"}, "provider": "acme"}, "pinned": {"rules/acme": 1, "tiers/acme": 1, "tiers/contoso": 1, "profile/contoso": 1}, "status": "closed", "current": {"tier": "TAC L1", "party": "acme"}, "decided": ["bc1ea7cd-af86-5f09-b28f-ea0f5f7fb8e6", "dd1965c2-1c0d-5207-bc4e-733a558a70b2"], "partner": "contoso", "pending": null, "product": "routers", "customer": "umbrella", "provider": "acme", "severity": "S3", "opened_at": "2026-12-02T07:58:38.849549Z", "entered_at": "2026-12-02T07:58:39.215640Z", "pending_to": null, "entered_seq": 1, "incident_id": "4d1d5197-d460-416c-b801-4540f4b5c79f", "progress_seq": 6, "resolved_seq": 1, "acknowledged_by": ["contoso"], "last_progress_at": "2026-12-02T07:58:39.604207Z", "last_partner_tier": null}
\.


--
-- Data for Name: sla_clocks; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.sla_clocks (incident_id, contract_id, clock, contract_kind, owing, state, due_at, updated_at, owed) FROM stdin;
20dd4880-f1ff-4553-93aa-dfa0bb3a85e7	initech-northwind	respond	customer_facing	northwind	stopped	\N	2026-12-02 07:58:39.321586+00	initech
4d1d5197-d460-416c-b801-4540f4b5c79f	umbrella-contoso	respond	customer_facing	contoso	stopped	\N	2026-12-02 07:58:39.421379+00	umbrella
e83e2e4f-d735-44e4-a1c0-285572c6af05	initech-northwind	respond	customer_facing	northwind	stopped	\N	2026-12-02 07:58:39.476457+00	initech
4d1d5197-d460-416c-b801-4540f4b5c79f	umbrella-contoso	resolve	customer_facing	contoso	stopped	\N	2026-12-02 07:58:43.302686+00	umbrella
4d1d5197-d460-416c-b801-4540f4b5c79f	contoso-acme	respond	underpinning	acme	stopped	\N	2026-12-02 07:58:43.302686+00	contoso
4d1d5197-d460-416c-b801-4540f4b5c79f	contoso-acme	resolve	underpinning	acme	stopped	\N	2026-12-02 07:58:43.302686+00	contoso
20dd4880-f1ff-4553-93aa-dfa0bb3a85e7	initech-northwind	resolve	customer_facing	northwind	stopped	\N	2026-12-02 07:58:43.279106+00	initech
20dd4880-f1ff-4553-93aa-dfa0bb3a85e7	initech-northwind	update	customer_facing	northwind	stopped	\N	2026-12-02 07:58:43.279106+00	initech
e83e2e4f-d735-44e4-a1c0-285572c6af05	initech-northwind	resolve	customer_facing	northwind	stopped	\N	2026-12-02 07:58:43.33803+00	initech
\.


--
-- Data for Name: stream_positions; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.stream_positions (consumer, stream_id, version) FROM stdin;
escalation-sla	contract:initech-northwind	1
escalation-sla	contract:umbrella-contoso	1
escalation-sla	contract:contoso-acme	1
escalation-sla	contract:northwind-acme	1
escalation-sla	4d1d5197-d460-416c-b801-4540f4b5c79f	12
escalation-sla	20dd4880-f1ff-4553-93aa-dfa0bb3a85e7	7
escalation	e83e2e4f-d735-44e4-a1c0-285572c6af05	10
escalation	20dd4880-f1ff-4553-93aa-dfa0bb3a85e7	13
escalation	4d1d5197-d460-416c-b801-4540f4b5c79f	11
escalation-sla	e83e2e4f-d735-44e4-a1c0-285572c6af05	4
\.


--
-- Data for Name: timers; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.timers (key, due_at, payload, scheduled_at, attempts, last_error) FROM stdin;
\.


--
-- Name: dead_letters_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.dead_letters_id_seq', 1, false);


--
-- Name: decisions_seq_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.decisions_seq_seq', 4, true);


--
-- Name: events_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.events_id_seq', 15, true);


--
-- Name: alembic_version alembic_version_pkc; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.alembic_version
    ADD CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num);


--
-- Name: config_versions config_versions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.config_versions
    ADD CONSTRAINT config_versions_pkey PRIMARY KEY (party, kind, version);


--
-- Name: dead_letters dead_letters_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.dead_letters
    ADD CONSTRAINT dead_letters_pkey PRIMARY KEY (id);


--
-- Name: decisions decisions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.decisions
    ADD CONSTRAINT decisions_pkey PRIMARY KEY (decision_id);


--
-- Name: events events_event_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.events
    ADD CONSTRAINT events_event_id_key UNIQUE (event_id);


--
-- Name: events events_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.events
    ADD CONSTRAINT events_pkey PRIMARY KEY (id);


--
-- Name: events events_position_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.events
    ADD CONSTRAINT events_position_key UNIQUE ("position");


--
-- Name: events events_stream_id_stream_version_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.events
    ADD CONSTRAINT events_stream_id_stream_version_key UNIQUE (stream_id, stream_version);


--
-- Name: handled_events handled_events_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.handled_events
    ADD CONSTRAINT handled_events_pkey PRIMARY KEY (consumer, event_id);


--
-- Name: idempotency_keys idempotency_keys_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.idempotency_keys
    ADD CONSTRAINT idempotency_keys_pkey PRIMARY KEY (party, key);


--
-- Name: incident_escalation incident_escalation_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.incident_escalation
    ADD CONSTRAINT incident_escalation_pkey PRIMARY KEY (incident_id);


--
-- Name: sla_clocks sla_clocks_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.sla_clocks
    ADD CONSTRAINT sla_clocks_pkey PRIMARY KEY (incident_id, contract_id, clock);


--
-- Name: stream_positions stream_positions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.stream_positions
    ADD CONSTRAINT stream_positions_pkey PRIMARY KEY (consumer, stream_id);


--
-- Name: timers timers_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.timers
    ADD CONSTRAINT timers_pkey PRIMARY KEY (key);


--
-- Name: decisions_incident; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX decisions_incident ON public.decisions USING btree (incident_id, seq);


--
-- Name: decisions_pending; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX decisions_pending ON public.decisions USING btree (incident_id, seq) WHERE (status = 'pending'::text);


--
-- Name: events_unpublished; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX events_unpublished ON public.events USING btree (tx_id, id) WHERE ("position" IS NULL);


--
-- Name: idempotency_keys_expiry; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idempotency_keys_expiry ON public.idempotency_keys USING btree (expires_at);


--
-- Name: incident_escalation_queue; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX incident_escalation_queue ON public.incident_escalation USING btree (tier_party, tier, entered_at);


--
-- Name: timers_due; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX timers_due ON public.timers USING btree (due_at, key);


--
-- PostgreSQL database dump complete
--

\unrestrict RaXySLWqms9Kul0ghvIHtL0Ah26heM8ldel9CfGPu65SJzzUHkoO0z4GPsvCSpt

