--
-- PostgreSQL database dump
--

\restrict kjI5VrUqDk3x6YbmrDusTHjqscaGRYTy3uTDWDZ0E8VaPh86bjHKnnT3ceued3x

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
-- Name: contracts; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.contracts (
    contract_id text NOT NULL,
    version integer NOT NULL,
    kind text NOT NULL,
    provider text NOT NULL,
    customer text NOT NULL,
    effective_from timestamp with time zone NOT NULL,
    terms jsonb NOT NULL,
    recorded_at timestamp with time zone NOT NULL
);


--
-- Name: credits; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.credits (
    key text NOT NULL,
    contract_id text NOT NULL,
    incident_id text NOT NULL,
    month text NOT NULL,
    rule text NOT NULL,
    amount numeric NOT NULL,
    uncapped numeric NOT NULL,
    accrued_at timestamp with time zone NOT NULL
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
-- Name: downtime; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.downtime (
    contract_id text NOT NULL,
    incident_id text NOT NULL,
    started_at timestamp with time zone NOT NULL,
    ended_at timestamp with time zone NOT NULL
);


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
-- Name: incident_sla; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.incident_sla (
    incident_id text NOT NULL,
    customer text NOT NULL,
    partner text NOT NULL,
    provider text NOT NULL,
    severity text NOT NULL,
    status text NOT NULL,
    opened_at timestamp with time zone NOT NULL,
    resolved_at timestamp with time zone,
    rating integer,
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
    owed text NOT NULL,
    severity text NOT NULL,
    target_seconds double precision NOT NULL,
    elapsed_seconds double precision NOT NULL,
    started_at timestamp with time zone NOT NULL,
    running boolean NOT NULL,
    paused boolean NOT NULL,
    due_at timestamp with time zone,
    stopped_at timestamp with time zone,
    outcome text,
    breached_at timestamp with time zone
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
-- Name: events id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.events ALTER COLUMN id SET DEFAULT nextval('public.events_id_seq'::regclass);


--
-- Data for Name: alembic_version; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.alembic_version (version_num) FROM stdin;
0001
\.


--
-- Data for Name: contracts; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.contracts (contract_id, version, kind, provider, customer, effective_from, terms, recorded_at) FROM stdin;
initech-northwind	1	customer_facing	northwind	initech	2026-12-02 07:58:28.436822+00	{"kind": "customer_facing", "name": "Initech managed network (24x7)", "credits": {"currency": "EUR", "per_breach": "250", "monthly_cap": "3000", "monthly_fee": "12000", "per_hour_beyond": "100", "per_breach_percent_of_fee": "0", "availability_percent_of_fee": "10"}, "targets": {"S1": {"update_minutes": 60, "resolve_minutes": 240, "respond_minutes": 15}, "S2": {"resolve_minutes": 480, "respond_minutes": 60}, "S3": {"resolve_minutes": 1440, "respond_minutes": 240}, "S4": {"resolve_minutes": 4800, "respond_minutes": 480}}, "warn_at": [50, 75, 90], "calendar": {"type": "24x7", "timezone": "UTC"}, "customer": "initech", "provider": "northwind", "availability_target": "99.9"}	2026-12-02 07:58:28.436822+00
northwind-acme	1	underpinning	acme	northwind	2026-12-02 07:58:28.462246+00	{"kind": "underpinning", "name": "Acme partner support for Northwind (24x7)", "credits": {"currency": "EUR", "per_breach": "250", "monthly_cap": "1000", "monthly_fee": "4000", "per_hour_beyond": "100", "per_breach_percent_of_fee": "0", "availability_percent_of_fee": "10"}, "targets": {"S1": {"resolve_minutes": 480, "respond_minutes": 30}, "S2": {"resolve_minutes": 960, "respond_minutes": 120}, "S3": {"resolve_minutes": 2880, "respond_minutes": 480}, "S4": {"resolve_minutes": 9600, "respond_minutes": 960}}, "warn_at": [50, 75, 90], "calendar": {"type": "24x7", "timezone": "UTC"}, "customer": "northwind", "provider": "acme", "availability_target": "99.5"}	2026-12-02 07:58:28.462246+00
umbrella-contoso	1	customer_facing	contoso	umbrella	2026-12-02 07:58:28.472039+00	{"kind": "customer_facing", "name": "Umbrella firewall service (business hours)", "credits": {"currency": "EUR", "per_breach": "250", "monthly_cap": "3000", "monthly_fee": "12000", "per_hour_beyond": "100", "per_breach_percent_of_fee": "0", "availability_percent_of_fee": "10"}, "targets": {"S1": {"update_minutes": 60, "resolve_minutes": 240, "respond_minutes": 15}, "S2": {"resolve_minutes": 480, "respond_minutes": 60}, "S3": {"resolve_minutes": 1440, "respond_minutes": 240}, "S4": {"resolve_minutes": 4800, "respond_minutes": 480}}, "warn_at": [50, 75, 90], "calendar": {"type": "business_hours", "hours": {"fri": ["08:00-18:00"], "mon": ["08:00-18:00"], "sat": [], "sun": [], "thu": ["08:00-18:00"], "tue": ["08:00-18:00"], "wed": ["08:00-18:00"]}, "holidays": ["2026-11-26", "2026-12-25", "2027-01-01"], "timezone": "America/New_York"}, "customer": "umbrella", "provider": "contoso", "availability_target": "99.5"}	2026-12-02 07:58:28.472039+00
contoso-acme	1	underpinning	acme	contoso	2026-12-02 07:58:28.482173+00	{"kind": "underpinning", "name": "Acme partner support for Contoso (business hours)", "credits": {"currency": "EUR", "per_breach": "250", "monthly_cap": "1000", "monthly_fee": "4000", "per_hour_beyond": "100", "per_breach_percent_of_fee": "0", "availability_percent_of_fee": "10"}, "targets": {"S1": {"resolve_minutes": 480, "respond_minutes": 30}, "S2": {"resolve_minutes": 960, "respond_minutes": 120}, "S3": {"resolve_minutes": 2880, "respond_minutes": 480}, "S4": {"resolve_minutes": 9600, "respond_minutes": 960}}, "warn_at": [50, 75, 90], "calendar": {"type": "business_hours", "hours": {"fri": ["08:00-18:00"], "mon": ["08:00-18:00"], "sat": [], "sun": [], "thu": ["08:00-18:00"], "tue": ["08:00-18:00"], "wed": ["08:00-18:00"]}, "holidays": ["2026-11-26", "2026-12-25", "2027-01-01"], "timezone": "America/New_York"}, "customer": "contoso", "provider": "acme", "availability_target": null}	2026-12-02 07:58:28.482173+00
\.


--
-- Data for Name: credits; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.credits (key, contract_id, incident_id, month, rule, amount, uncapped, accrued_at) FROM stdin;
\.


--
-- Data for Name: dead_letters; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.dead_letters (id, consumer, topic, event_id, stream_id, error, headers, value, created_at, replayed_at) FROM stdin;
\.


--
-- Data for Name: downtime; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.downtime (contract_id, incident_id, started_at, ended_at) FROM stdin;
initech-northwind	e83e2e4f-d735-44e4-a1c0-285572c6af05	2026-12-02 07:58:39.545287+00	2026-12-02 07:58:39.551866+00
\.


--
-- Data for Name: events; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.events (id, tx_id, "position", event_id, stream_id, stream_version, type, data, metadata, recorded_at, published_at) FROM stdin;
1	761	1	f8ef98f5-5bc3-4143-b48e-207161d0f6cb	contract:initech-northwind	1	village.sla.contract_registered.v1	{"kind": "customer_facing", "name": "Initech managed network (24x7)", "credits": {"currency": "EUR", "per_breach": "250", "monthly_cap": "3000", "monthly_fee": "12000", "per_hour_beyond": "100", "per_breach_percent_of_fee": "0", "availability_percent_of_fee": "10"}, "targets": {"S1": {"update_minutes": 60, "resolve_minutes": 240, "respond_minutes": 15}, "S2": {"resolve_minutes": 480, "respond_minutes": 60}, "S3": {"resolve_minutes": 1440, "respond_minutes": 240}, "S4": {"resolve_minutes": 4800, "respond_minutes": 480}}, "version": 1, "warn_at": [50, 75, 90], "calendar": {"type": "24x7", "timezone": "UTC"}, "customer": "initech", "provider": "northwind", "contract_id": "initech-northwind", "effective_from": "2026-12-02T07:58:28.436822+00:00", "availability_target": "99.9"}	{"fact": ["contract_id", "version"], "parties": ["initech", "northwind"], "provider": null, "actor_kind": "partner", "actor_user": "northwind-user", "visibility": "shared", "actor_party": "northwind", "traceparent": "00-9744ba0d02c5ea85e59009c9a6b56e5e-861bf5d5f2126d97-02", "causation_id": "seed-contract-initech-northwind", "correlation_id": "44609e1e-081c-4ccc-9a36-824fa3ad025c"}	2026-12-02 07:58:28.441546+00	2026-12-02 07:58:28.453834+00
2	763	2	8371bc07-cf8e-4ab2-b905-1ea373a330e2	contract:northwind-acme	1	village.sla.contract_registered.v1	{"kind": "underpinning", "name": "Acme partner support for Northwind (24x7)", "credits": {"currency": "EUR", "per_breach": "250", "monthly_cap": "1000", "monthly_fee": "4000", "per_hour_beyond": "100", "per_breach_percent_of_fee": "0", "availability_percent_of_fee": "10"}, "targets": {"S1": {"resolve_minutes": 480, "respond_minutes": 30}, "S2": {"resolve_minutes": 960, "respond_minutes": 120}, "S3": {"resolve_minutes": 2880, "respond_minutes": 480}, "S4": {"resolve_minutes": 9600, "respond_minutes": 960}}, "version": 1, "warn_at": [50, 75, 90], "calendar": {"type": "24x7", "timezone": "UTC"}, "customer": "northwind", "provider": "acme", "contract_id": "northwind-acme", "effective_from": "2026-12-02T07:58:28.462246+00:00", "availability_target": "99.5"}	{"fact": ["contract_id", "version"], "parties": ["acme", "northwind"], "provider": "acme", "actor_kind": "provider", "actor_user": "acme-user", "visibility": "shared", "actor_party": "acme", "traceparent": "00-e67543ae4a5ccd8e130730e7cb828cb8-69779c729fafb549-02", "causation_id": "seed-contract-northwind-acme", "correlation_id": "53673c9c-e096-45d8-82c6-80818c2ed2f7"}	2026-12-02 07:58:28.464977+00	2026-12-02 07:58:28.477344+00
3	764	3	f6c2e3e6-0157-47f1-a517-1b37f68956ac	contract:umbrella-contoso	1	village.sla.contract_registered.v1	{"kind": "customer_facing", "name": "Umbrella firewall service (business hours)", "credits": {"currency": "EUR", "per_breach": "250", "monthly_cap": "3000", "monthly_fee": "12000", "per_hour_beyond": "100", "per_breach_percent_of_fee": "0", "availability_percent_of_fee": "10"}, "targets": {"S1": {"update_minutes": 60, "resolve_minutes": 240, "respond_minutes": 15}, "S2": {"resolve_minutes": 480, "respond_minutes": 60}, "S3": {"resolve_minutes": 1440, "respond_minutes": 240}, "S4": {"resolve_minutes": 4800, "respond_minutes": 480}}, "version": 1, "warn_at": [50, 75, 90], "calendar": {"type": "business_hours", "hours": {"fri": ["08:00-18:00"], "mon": ["08:00-18:00"], "sat": [], "sun": [], "thu": ["08:00-18:00"], "tue": ["08:00-18:00"], "wed": ["08:00-18:00"]}, "holidays": ["2026-11-26", "2026-12-25", "2027-01-01"], "timezone": "America/New_York"}, "customer": "umbrella", "provider": "contoso", "contract_id": "umbrella-contoso", "effective_from": "2026-12-02T07:58:28.472039+00:00", "availability_target": "99.5"}	{"fact": ["contract_id", "version"], "parties": ["contoso", "umbrella"], "provider": null, "actor_kind": "partner", "actor_user": "contoso-user", "visibility": "shared", "actor_party": "contoso", "traceparent": "00-e38cb36a7bba488a3c6846976dc43b0a-33c0c1655a8bc9f8-02", "causation_id": "seed-contract-umbrella-contoso", "correlation_id": "3c5592f2-a10b-4af6-82ea-aed8a395a91d"}	2026-12-02 07:58:28.475852+00	2026-12-02 07:58:28.485804+00
8	905	8	c5ee4e64-1e9f-53c1-8220-6be322fc38c0	e83e2e4f-d735-44e4-a1c0-285572c6af05	2	village.sla.clock_started.v1	{"at": "2026-12-02T07:58:38.861338+00:00", "clock": "resolve", "round": 0, "state": "running", "due_at": "2026-12-02T15:58:38.861338+00:00", "outcome": null, "severity": "S2", "owed_party": "initech", "contract_id": "initech-northwind", "incident_id": "e83e2e4f-d735-44e4-a1c0-285572c6af05", "owing_party": "northwind", "contract_kind": "customer_facing", "target_seconds": 28800.0, "elapsed_seconds": 0.0, "contract_version": 1}	{"fact": ["incident_id"], "parties": ["initech", "northwind"], "provider": "acme", "actor_kind": "service", "actor_user": "sla-monitor", "visibility": "shared", "actor_party": "sla-monitor", "traceparent": "00-d551615fff83e3cea88ed011c0742052-39f94d27ea9ca055-02"}	2026-12-02 07:58:39.111125+00	2026-12-02 07:58:39.135469+00
10	909	10	0e9747c8-f5da-5655-9752-c634f83d5f3e	4d1d5197-d460-416c-b801-4540f4b5c79f	2	village.sla.clock_started.v1	{"at": "2026-12-02T07:58:38.849549+00:00", "clock": "resolve", "round": 0, "state": "running", "due_at": "2026-12-04T17:00:00+00:00", "outcome": null, "severity": "S3", "owed_party": "umbrella", "contract_id": "umbrella-contoso", "incident_id": "4d1d5197-d460-416c-b801-4540f4b5c79f", "owing_party": "contoso", "contract_kind": "customer_facing", "target_seconds": 86400.0, "elapsed_seconds": 0.0, "contract_version": 1}	{"fact": ["incident_id"], "parties": ["contoso", "umbrella"], "provider": "acme", "actor_kind": "service", "actor_user": "sla-monitor", "visibility": "shared", "actor_party": "sla-monitor", "traceparent": "00-4755138beec4634b8cc121faf329b2f3-992e493e0f8118f3-02"}	2026-12-02 07:58:39.167799+00	2026-12-02 07:58:39.209914+00
4	766	4	6e17bf2c-c569-4824-b9f1-dfc84169f923	contract:contoso-acme	1	village.sla.contract_registered.v1	{"kind": "underpinning", "name": "Acme partner support for Contoso (business hours)", "credits": {"currency": "EUR", "per_breach": "250", "monthly_cap": "1000", "monthly_fee": "4000", "per_hour_beyond": "100", "per_breach_percent_of_fee": "0", "availability_percent_of_fee": "10"}, "targets": {"S1": {"resolve_minutes": 480, "respond_minutes": 30}, "S2": {"resolve_minutes": 960, "respond_minutes": 120}, "S3": {"resolve_minutes": 2880, "respond_minutes": 480}, "S4": {"resolve_minutes": 9600, "respond_minutes": 960}}, "version": 1, "warn_at": [50, 75, 90], "calendar": {"type": "business_hours", "hours": {"fri": ["08:00-18:00"], "mon": ["08:00-18:00"], "sat": [], "sun": [], "thu": ["08:00-18:00"], "tue": ["08:00-18:00"], "wed": ["08:00-18:00"]}, "holidays": ["2026-11-26", "2026-12-25", "2027-01-01"], "timezone": "America/New_York"}, "customer": "contoso", "provider": "acme", "contract_id": "contoso-acme", "effective_from": "2026-12-02T07:58:28.482173+00:00", "availability_target": null}	{"fact": ["contract_id", "version"], "parties": ["acme", "contoso"], "provider": "acme", "actor_kind": "provider", "actor_user": "acme-user", "visibility": "shared", "actor_party": "acme", "traceparent": "00-6c5267137ddf5d91b59ee6c10d5a493b-2ae196a85ad2ba7e-02", "causation_id": "seed-contract-contoso-acme", "correlation_id": "ed3798c3-a932-497d-b49d-98fa2419d39c"}	2026-12-02 07:58:28.489976+00	2026-12-02 07:58:28.500406+00
5	893	5	e7e38d81-d022-5d60-9425-f1d7f5ccfaa1	20dd4880-f1ff-4553-93aa-dfa0bb3a85e7	1	village.sla.clock_started.v1	{"at": "2026-12-02T07:58:38.833545+00:00", "clock": "respond", "round": 0, "state": "running", "due_at": "2026-12-02T08:13:38.833545+00:00", "outcome": null, "severity": "S1", "owed_party": "initech", "contract_id": "initech-northwind", "incident_id": "20dd4880-f1ff-4553-93aa-dfa0bb3a85e7", "owing_party": "northwind", "contract_kind": "customer_facing", "target_seconds": 900.0, "elapsed_seconds": 0.0, "contract_version": 1}	{"fact": ["incident_id"], "parties": ["initech", "northwind"], "provider": "acme", "actor_kind": "service", "actor_user": "sla-monitor", "visibility": "shared", "actor_party": "sla-monitor", "traceparent": "00-ff3756697341c0ef2065fadc5bce458d-15558abf9de95c96-02"}	2026-12-02 07:58:38.856972+00	2026-12-02 07:58:38.884295+00
6	893	6	d4ae04ab-84c7-596c-8643-8204336bce0d	20dd4880-f1ff-4553-93aa-dfa0bb3a85e7	2	village.sla.clock_started.v1	{"at": "2026-12-02T07:58:38.833545+00:00", "clock": "resolve", "round": 0, "state": "running", "due_at": "2026-12-02T11:58:38.833545+00:00", "outcome": null, "severity": "S1", "owed_party": "initech", "contract_id": "initech-northwind", "incident_id": "20dd4880-f1ff-4553-93aa-dfa0bb3a85e7", "owing_party": "northwind", "contract_kind": "customer_facing", "target_seconds": 14400.0, "elapsed_seconds": 0.0, "contract_version": 1}	{"fact": ["incident_id"], "parties": ["initech", "northwind"], "provider": "acme", "actor_kind": "service", "actor_user": "sla-monitor", "visibility": "shared", "actor_party": "sla-monitor", "traceparent": "00-ff3756697341c0ef2065fadc5bce458d-15558abf9de95c96-02"}	2026-12-02 07:58:38.856972+00	2026-12-02 07:58:38.884295+00
7	905	7	0e22c6c7-b14e-5b87-b850-cc75b42871f1	e83e2e4f-d735-44e4-a1c0-285572c6af05	1	village.sla.clock_started.v1	{"at": "2026-12-02T07:58:38.861338+00:00", "clock": "respond", "round": 0, "state": "running", "due_at": "2026-12-02T08:58:38.861338+00:00", "outcome": null, "severity": "S2", "owed_party": "initech", "contract_id": "initech-northwind", "incident_id": "e83e2e4f-d735-44e4-a1c0-285572c6af05", "owing_party": "northwind", "contract_kind": "customer_facing", "target_seconds": 3600.0, "elapsed_seconds": 0.0, "contract_version": 1}	{"fact": ["incident_id"], "parties": ["initech", "northwind"], "provider": "acme", "actor_kind": "service", "actor_user": "sla-monitor", "visibility": "shared", "actor_party": "sla-monitor", "traceparent": "00-d551615fff83e3cea88ed011c0742052-39f94d27ea9ca055-02"}	2026-12-02 07:58:39.111125+00	2026-12-02 07:58:39.135469+00
9	909	9	748644e3-3f98-5d1c-a692-a2b1e2c6dbb9	4d1d5197-d460-416c-b801-4540f4b5c79f	1	village.sla.clock_started.v1	{"at": "2026-12-02T07:58:38.849549+00:00", "clock": "respond", "round": 0, "state": "running", "due_at": "2026-12-02T17:00:00+00:00", "outcome": null, "severity": "S3", "owed_party": "umbrella", "contract_id": "umbrella-contoso", "incident_id": "4d1d5197-d460-416c-b801-4540f4b5c79f", "owing_party": "contoso", "contract_kind": "customer_facing", "target_seconds": 14400.0, "elapsed_seconds": 0.0, "contract_version": 1}	{"fact": ["incident_id"], "parties": ["contoso", "umbrella"], "provider": "acme", "actor_kind": "service", "actor_user": "sla-monitor", "visibility": "shared", "actor_party": "sla-monitor", "traceparent": "00-4755138beec4634b8cc121faf329b2f3-992e493e0f8118f3-02"}	2026-12-02 07:58:39.167799+00	2026-12-02 07:58:39.209914+00
16	999	16	e8bd85aa-9827-5c1a-a7f3-0c6cfce95cf4	4d1d5197-d460-416c-b801-4540f4b5c79f	5	village.sla.target_met.v1	{"at": "2026-12-02T07:58:39.421379+00:00", "clock": "respond", "round": 0, "state": "stopped", "due_at": null, "outcome": "met", "severity": "S3", "owed_party": "umbrella", "contract_id": "umbrella-contoso", "incident_id": "4d1d5197-d460-416c-b801-4540f4b5c79f", "owing_party": "contoso", "contract_kind": "customer_facing", "target_seconds": 14400.0, "elapsed_seconds": 0.0, "contract_version": 1}	{"fact": ["incident_id"], "parties": ["contoso", "umbrella"], "provider": "acme", "actor_kind": "service", "actor_user": "sla-monitor", "visibility": "shared", "actor_party": "sla-monitor", "traceparent": "00-910967df947fa31596bf61a27a602953-d0e3df7a42f6925e-02"}	2026-12-02 07:58:39.708399+00	2026-12-02 07:58:39.729865+00
22	1067	22	9837f45c-c80c-57fd-8967-450b5c05732b	4d1d5197-d460-416c-b801-4540f4b5c79f	10	village.sla.target_met.v1	{"at": "2026-12-02T07:58:43.302686+00:00", "clock": "resolve", "round": 0, "state": "stopped", "due_at": null, "outcome": "met", "severity": "S3", "owed_party": "umbrella", "contract_id": "umbrella-contoso", "incident_id": "4d1d5197-d460-416c-b801-4540f4b5c79f", "owing_party": "contoso", "contract_kind": "customer_facing", "target_seconds": 86400.0, "elapsed_seconds": 0.0, "contract_version": 1}	{"fact": ["incident_id"], "parties": ["contoso", "umbrella"], "provider": "acme", "actor_kind": "service", "actor_user": "sla-monitor", "visibility": "shared", "actor_party": "sla-monitor", "traceparent": "00-e8697f8037bdbd3b929981561d955d7f-1a67a91a6b7694ed-02"}	2026-12-02 07:58:43.321705+00	2026-12-02 07:58:43.346672+00
12	937	12	a08158b0-ae57-50f6-b849-d3639c4922c1	20dd4880-f1ff-4553-93aa-dfa0bb3a85e7	4	village.sla.clock_started.v1	{"at": "2026-12-02T07:58:39.321586+00:00", "clock": "update", "round": 0, "state": "running", "due_at": "2026-12-02T08:58:39.321586+00:00", "outcome": null, "severity": "S1", "owed_party": "initech", "contract_id": "initech-northwind", "incident_id": "20dd4880-f1ff-4553-93aa-dfa0bb3a85e7", "owing_party": "northwind", "contract_kind": "customer_facing", "target_seconds": 3600.0, "elapsed_seconds": 0.0, "contract_version": 1}	{"fact": ["incident_id"], "parties": ["initech", "northwind"], "provider": "acme", "actor_kind": "service", "actor_user": "sla-monitor", "visibility": "shared", "actor_party": "sla-monitor", "traceparent": "00-7449e1e82fa3643cdb3170bd8c88f1b6-5ea78df20b2ba379-02"}	2026-12-02 07:58:39.406279+00	2026-12-02 07:58:39.447849+00
13	943	13	42b9253e-2dd2-5253-ab59-2ec09029217e	4d1d5197-d460-416c-b801-4540f4b5c79f	3	village.sla.clock_started.v1	{"at": "2026-12-02T07:58:39.215640+00:00", "clock": "respond", "round": 0, "state": "running", "due_at": "2026-12-02T21:00:00+00:00", "outcome": null, "severity": "S3", "owed_party": "contoso", "contract_id": "contoso-acme", "incident_id": "4d1d5197-d460-416c-b801-4540f4b5c79f", "owing_party": "acme", "contract_kind": "underpinning", "target_seconds": 28800.0, "elapsed_seconds": 0.0, "contract_version": 1}	{"fact": ["incident_id"], "parties": ["acme", "contoso"], "provider": "acme", "actor_kind": "service", "actor_user": "sla-monitor", "visibility": "shared", "actor_party": "sla-monitor", "traceparent": "00-4755138beec4634b8cc121faf329b2f3-7005563aa8afde29-02"}	2026-12-02 07:58:39.447257+00	2026-12-02 07:58:39.453689+00
14	943	14	73ec7577-598f-525b-93ef-287b45703f94	4d1d5197-d460-416c-b801-4540f4b5c79f	4	village.sla.clock_started.v1	{"at": "2026-12-02T07:58:39.215640+00:00", "clock": "resolve", "round": 0, "state": "running", "due_at": "2026-12-08T21:00:00+00:00", "outcome": null, "severity": "S3", "owed_party": "contoso", "contract_id": "contoso-acme", "incident_id": "4d1d5197-d460-416c-b801-4540f4b5c79f", "owing_party": "acme", "contract_kind": "underpinning", "target_seconds": 172800.0, "elapsed_seconds": 0.0, "contract_version": 1}	{"fact": ["incident_id"], "parties": ["acme", "contoso"], "provider": "acme", "actor_kind": "service", "actor_user": "sla-monitor", "visibility": "shared", "actor_party": "sla-monitor", "traceparent": "00-4755138beec4634b8cc121faf329b2f3-7005563aa8afde29-02"}	2026-12-02 07:58:39.447257+00	2026-12-02 07:58:39.453689+00
19	1011	19	03821a16-153f-57df-812c-90aef4c08ea5	20dd4880-f1ff-4553-93aa-dfa0bb3a85e7	5	village.sla.clock_started.v1	{"at": "2026-12-02T07:58:39.343100+00:00", "clock": "update", "round": 1, "state": "running", "due_at": "2026-12-02T08:58:39.343100+00:00", "outcome": null, "severity": "S1", "owed_party": "initech", "contract_id": "initech-northwind", "incident_id": "20dd4880-f1ff-4553-93aa-dfa0bb3a85e7", "owing_party": "northwind", "contract_kind": "customer_facing", "target_seconds": 3600.0, "elapsed_seconds": 0.0, "contract_version": 1}	{"fact": ["incident_id"], "parties": ["initech", "northwind"], "provider": "acme", "actor_kind": "service", "actor_user": "sla-monitor", "visibility": "shared", "actor_party": "sla-monitor", "traceparent": "00-c0afb8f258992aca615b3808938b06d7-1cd327299f962d10-02"}	2026-12-02 07:58:39.768745+00	2026-12-02 07:58:39.776705+00
27	1102	27	822ad568-cb74-55af-8ebc-0476ea577e26	e83e2e4f-d735-44e4-a1c0-285572c6af05	4	village.sla.target_met.v1	{"at": "2026-12-02T07:58:43.338030+00:00", "clock": "resolve", "round": 0, "state": "stopped", "due_at": null, "outcome": "met", "severity": "S2", "owed_party": "initech", "contract_id": "initech-northwind", "incident_id": "e83e2e4f-d735-44e4-a1c0-285572c6af05", "owing_party": "northwind", "contract_kind": "customer_facing", "target_seconds": 28800.0, "elapsed_seconds": 4.477, "contract_version": 1}	{"fact": ["incident_id"], "parties": ["initech", "northwind"], "provider": "acme", "actor_kind": "service", "actor_user": "sla-monitor", "visibility": "shared", "actor_party": "sla-monitor", "traceparent": "00-89dddb0868d3d221567214dd7d9e691f-6ae73429a113b5a8-02"}	2026-12-02 07:58:43.577736+00	2026-12-02 07:58:43.592855+00
11	937	11	b24fd9c1-c465-52cb-b273-d2e886c36ef9	20dd4880-f1ff-4553-93aa-dfa0bb3a85e7	3	village.sla.target_met.v1	{"at": "2026-12-02T07:58:39.321586+00:00", "clock": "respond", "round": 0, "state": "stopped", "due_at": null, "outcome": "met", "severity": "S1", "owed_party": "initech", "contract_id": "initech-northwind", "incident_id": "20dd4880-f1ff-4553-93aa-dfa0bb3a85e7", "owing_party": "northwind", "contract_kind": "customer_facing", "target_seconds": 900.0, "elapsed_seconds": 0.488, "contract_version": 1}	{"fact": ["incident_id"], "parties": ["initech", "northwind"], "provider": "acme", "actor_kind": "service", "actor_user": "sla-monitor", "visibility": "shared", "actor_party": "sla-monitor", "traceparent": "00-7449e1e82fa3643cdb3170bd8c88f1b6-5ea78df20b2ba379-02"}	2026-12-02 07:58:39.406279+00	2026-12-02 07:58:39.447849+00
15	983	15	e7a9e876-ca32-59a8-9f17-70b6a6d7a69b	e83e2e4f-d735-44e4-a1c0-285572c6af05	3	village.sla.target_met.v1	{"at": "2026-12-02T07:58:39.476457+00:00", "clock": "respond", "round": 0, "state": "stopped", "due_at": null, "outcome": "met", "severity": "S2", "owed_party": "initech", "contract_id": "initech-northwind", "incident_id": "e83e2e4f-d735-44e4-a1c0-285572c6af05", "owing_party": "northwind", "contract_kind": "customer_facing", "target_seconds": 3600.0, "elapsed_seconds": 0.615, "contract_version": 1}	{"fact": ["incident_id"], "parties": ["initech", "northwind"], "provider": "acme", "actor_kind": "service", "actor_user": "sla-monitor", "visibility": "shared", "actor_party": "sla-monitor", "traceparent": "00-51786ff764af6c7ec9c653ae6647a7a6-31db5d47ba155491-02"}	2026-12-02 07:58:39.6156+00	2026-12-02 07:58:39.636123+00
17	1009	17	2d54379d-cecf-577b-a39d-f21d1d6edec0	4d1d5197-d460-416c-b801-4540f4b5c79f	6	village.sla.clock_paused.v1	{"at": "2026-12-02T07:58:39.559785+00:00", "clock": "resolve", "round": 0, "state": "paused", "due_at": null, "outcome": null, "severity": "S3", "owed_party": "umbrella", "contract_id": "umbrella-contoso", "incident_id": "4d1d5197-d460-416c-b801-4540f4b5c79f", "owing_party": "contoso", "contract_kind": "customer_facing", "target_seconds": 86400.0, "elapsed_seconds": 0.0, "contract_version": 1}	{"fact": ["incident_id"], "parties": ["contoso", "umbrella"], "provider": "acme", "actor_kind": "service", "actor_user": "sla-monitor", "visibility": "shared", "actor_party": "sla-monitor", "traceparent": "00-3126f4b7577697e6e835ab1c49f1c4e2-aa28128dd425c9ed-02"}	2026-12-02 07:58:39.754633+00	2026-12-02 07:58:39.769284+00
18	1009	18	95c39cec-655f-59e8-b3d3-bbba637944b1	4d1d5197-d460-416c-b801-4540f4b5c79f	7	village.sla.clock_paused.v1	{"at": "2026-12-02T07:58:39.559785+00:00", "clock": "resolve", "round": 0, "state": "paused", "due_at": null, "outcome": null, "severity": "S3", "owed_party": "contoso", "contract_id": "contoso-acme", "incident_id": "4d1d5197-d460-416c-b801-4540f4b5c79f", "owing_party": "acme", "contract_kind": "underpinning", "target_seconds": 172800.0, "elapsed_seconds": 0.0, "contract_version": 1}	{"fact": ["incident_id"], "parties": ["acme", "contoso"], "provider": "acme", "actor_kind": "service", "actor_user": "sla-monitor", "visibility": "shared", "actor_party": "sla-monitor", "traceparent": "00-3126f4b7577697e6e835ab1c49f1c4e2-aa28128dd425c9ed-02"}	2026-12-02 07:58:39.754633+00	2026-12-02 07:58:39.769284+00
20	1032	20	c8d7d54b-c70b-5860-b5f6-22b5a7f32057	4d1d5197-d460-416c-b801-4540f4b5c79f	8	village.sla.clock_resumed.v1	{"at": "2026-12-02T07:58:39.604207+00:00", "clock": "resolve", "round": 0, "state": "running", "due_at": "2026-12-04T17:00:00+00:00", "outcome": null, "severity": "S3", "owed_party": "umbrella", "contract_id": "umbrella-contoso", "incident_id": "4d1d5197-d460-416c-b801-4540f4b5c79f", "owing_party": "contoso", "contract_kind": "customer_facing", "target_seconds": 86400.0, "elapsed_seconds": 0.0, "contract_version": 1}	{"fact": ["incident_id"], "parties": ["contoso", "umbrella"], "provider": "acme", "actor_kind": "service", "actor_user": "sla-monitor", "visibility": "shared", "actor_party": "sla-monitor", "traceparent": "00-8dd283d7abd9287c9d45ff6906941469-78ba66872c6462d7-02"}	2026-12-02 07:58:39.86752+00	2026-12-02 07:58:39.877928+00
21	1032	21	972e7391-4b96-5d90-b2a8-63243c7f8436	4d1d5197-d460-416c-b801-4540f4b5c79f	9	village.sla.clock_resumed.v1	{"at": "2026-12-02T07:58:39.604207+00:00", "clock": "resolve", "round": 0, "state": "running", "due_at": "2026-12-08T21:00:00+00:00", "outcome": null, "severity": "S3", "owed_party": "contoso", "contract_id": "contoso-acme", "incident_id": "4d1d5197-d460-416c-b801-4540f4b5c79f", "owing_party": "acme", "contract_kind": "underpinning", "target_seconds": 172800.0, "elapsed_seconds": 0.0, "contract_version": 1}	{"fact": ["incident_id"], "parties": ["acme", "contoso"], "provider": "acme", "actor_kind": "service", "actor_user": "sla-monitor", "visibility": "shared", "actor_party": "sla-monitor", "traceparent": "00-8dd283d7abd9287c9d45ff6906941469-78ba66872c6462d7-02"}	2026-12-02 07:58:39.86752+00	2026-12-02 07:58:39.877928+00
25	1071	25	b768f117-0595-5a4c-b6db-993e11ed5cd0	20dd4880-f1ff-4553-93aa-dfa0bb3a85e7	6	village.sla.target_met.v1	{"at": "2026-12-02T07:58:43.279106+00:00", "clock": "resolve", "round": 0, "state": "stopped", "due_at": null, "outcome": "met", "severity": "S1", "owed_party": "initech", "contract_id": "initech-northwind", "incident_id": "20dd4880-f1ff-4553-93aa-dfa0bb3a85e7", "owing_party": "northwind", "contract_kind": "customer_facing", "target_seconds": 14400.0, "elapsed_seconds": 4.446, "contract_version": 1}	{"fact": ["incident_id"], "parties": ["initech", "northwind"], "provider": "acme", "actor_kind": "service", "actor_user": "sla-monitor", "visibility": "shared", "actor_party": "sla-monitor", "traceparent": "00-20e9dc25c22659c9eba63a88165f71ad-24f2124b9c6c6ee9-02"}	2026-12-02 07:58:43.348712+00	2026-12-02 07:58:43.363166+00
23	1067	23	e86ac1c5-647e-5944-970b-a1948f628e56	4d1d5197-d460-416c-b801-4540f4b5c79f	11	village.sla.target_met.v1	{"at": "2026-12-02T07:58:43.302686+00:00", "clock": "respond", "round": 0, "state": "stopped", "due_at": null, "outcome": "met", "severity": "S3", "owed_party": "contoso", "contract_id": "contoso-acme", "incident_id": "4d1d5197-d460-416c-b801-4540f4b5c79f", "owing_party": "acme", "contract_kind": "underpinning", "target_seconds": 28800.0, "elapsed_seconds": 0.0, "contract_version": 1}	{"fact": ["incident_id"], "parties": ["acme", "contoso"], "provider": "acme", "actor_kind": "service", "actor_user": "sla-monitor", "visibility": "shared", "actor_party": "sla-monitor", "traceparent": "00-e8697f8037bdbd3b929981561d955d7f-1a67a91a6b7694ed-02"}	2026-12-02 07:58:43.321705+00	2026-12-02 07:58:43.346672+00
24	1067	24	eac849c2-3545-5b13-a357-d8fab7114cbd	4d1d5197-d460-416c-b801-4540f4b5c79f	12	village.sla.target_met.v1	{"at": "2026-12-02T07:58:43.302686+00:00", "clock": "resolve", "round": 0, "state": "stopped", "due_at": null, "outcome": "met", "severity": "S3", "owed_party": "contoso", "contract_id": "contoso-acme", "incident_id": "4d1d5197-d460-416c-b801-4540f4b5c79f", "owing_party": "acme", "contract_kind": "underpinning", "target_seconds": 172800.0, "elapsed_seconds": 0.0, "contract_version": 1}	{"fact": ["incident_id"], "parties": ["acme", "contoso"], "provider": "acme", "actor_kind": "service", "actor_user": "sla-monitor", "visibility": "shared", "actor_party": "sla-monitor", "traceparent": "00-e8697f8037bdbd3b929981561d955d7f-1a67a91a6b7694ed-02"}	2026-12-02 07:58:43.321705+00	2026-12-02 07:58:43.346672+00
26	1071	26	6dc78798-92e1-5801-a96a-8f6905f9925b	20dd4880-f1ff-4553-93aa-dfa0bb3a85e7	7	village.sla.target_met.v1	{"at": "2026-12-02T07:58:43.279106+00:00", "clock": "update", "round": 1, "state": "stopped", "due_at": null, "outcome": "met", "severity": "S1", "owed_party": "initech", "contract_id": "initech-northwind", "incident_id": "20dd4880-f1ff-4553-93aa-dfa0bb3a85e7", "owing_party": "northwind", "contract_kind": "customer_facing", "target_seconds": 3600.0, "elapsed_seconds": 3.936, "contract_version": 1}	{"fact": ["incident_id"], "parties": ["initech", "northwind"], "provider": "acme", "actor_kind": "service", "actor_user": "sla-monitor", "visibility": "shared", "actor_party": "sla-monitor", "traceparent": "00-20e9dc25c22659c9eba63a88165f71ad-24f2124b9c6c6ee9-02"}	2026-12-02 07:58:43.348712+00	2026-12-02 07:58:43.363166+00
\.


--
-- Data for Name: handled_events; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.handled_events (consumer, event_id, handled_at) FROM stdin;
sla-monitor	e10bf4d1-7b00-4f19-a24d-13c7644b794d	2026-12-02 07:58:38.874069+00
sla-monitor	56b01d5a-88ce-4d30-a063-2ec4bf8fd8e9	2026-12-02 07:58:39.116683+00
sla-monitor	a42edbc2-d461-419f-9d35-b18c00abb986	2026-12-02 07:58:39.198758+00
sla-monitor	3d8f7635-79dd-42e7-90ed-333bf062e9a8	2026-12-02 07:58:39.36769+00
sla-monitor	79406af4-3887-4a48-9b24-a4337add5c5f	2026-12-02 07:58:39.384038+00
sla-monitor	9a0e30e0-2351-474e-8549-996899ee2603	2026-12-02 07:58:39.436621+00
sla-monitor	eb499cab-4ed8-4fa1-8dfc-be334310de5c	2026-12-02 07:58:39.449775+00
sla-monitor	abeab08c-8e20-4dad-9afb-686ec9602f09	2026-12-02 07:58:39.621902+00
sla-monitor	a6e309e8-86c8-40ee-a3c3-7ea839d802ba	2026-12-02 07:58:39.644558+00
sla-monitor	c927a1ab-2879-48d2-87cb-ac56425c9e70	2026-12-02 07:58:39.665562+00
sla-monitor	b60243ae-fad5-4703-97ae-5c9b43b7e069	2026-12-02 07:58:39.676811+00
sla-monitor	3e77e005-9ebe-4dc1-b87a-1c423d6e2f20	2026-12-02 07:58:39.679518+00
sla-monitor	bd2b6200-ac2c-4658-9148-fdad0c7cb92e	2026-12-02 07:58:39.695924+00
sla-monitor	b609f8ce-a257-4d5b-9157-16831a034405	2026-12-02 07:58:39.715778+00
sla-monitor	1fe0760d-64be-48c4-9fce-74f08d8dc3dd	2026-12-02 07:58:39.72752+00
sla-monitor	7c84d688-b18f-477d-9dd3-1dbd503763ba	2026-12-02 07:58:39.744327+00
sla-monitor	e0be925e-2975-4a44-a754-fb6d8ad297a7	2026-12-02 07:58:39.750243+00
sla-monitor	55832dd4-69b0-4d98-b5be-f7a25d540a85	2026-12-02 07:58:39.757349+00
sla-monitor	58353341-bcb6-45e0-9640-187ef5af875e	2026-12-02 07:58:39.761978+00
sla-monitor	568a11b4-2240-4400-bd70-d7ef3d50d089	2026-12-02 07:58:39.770954+00
sla-monitor	d50c8350-2095-4a4e-ac21-1c4a873e2581	2026-12-02 07:58:39.784645+00
sla-monitor	9dfab168-3e4f-457a-bf8d-b1a7ba8c4a80	2026-12-02 07:58:39.790513+00
sla-monitor	e858d006-91a7-405e-830a-a6db2b2652bd	2026-12-02 07:58:39.795323+00
sla-monitor	02ef7cce-52cd-4f97-86fd-5e63055089de	2026-12-02 07:58:39.801201+00
sla-monitor	09a86dcc-76dd-4089-865b-d73c8d66cfc3	2026-12-02 07:58:39.806552+00
sla-monitor	4a510e17-86b8-4967-89d1-5db95a36e774	2026-12-02 07:58:39.809365+00
sla-monitor	48f034c3-9f9c-464b-bf89-de46b6971c44	2026-12-02 07:58:39.815993+00
sla-monitor	61266e7b-917d-4258-bdd2-1ded16517e8f	2026-12-02 07:58:39.86937+00
sla-monitor	a5374b6e-d11a-4e28-9a1b-197718251b07	2026-12-02 07:58:43.328996+00
sla-monitor	9c57756c-1eb9-4f2b-9ec1-682dce3b0f87	2026-12-02 07:58:43.355275+00
sla-monitor	dc1b2857-4064-4b74-abcb-26457720acc4	2026-12-02 07:58:43.580491+00
sla-monitor	5a4c777b-006b-4acf-b3cf-6538fc8b95b0	2026-12-02 07:58:43.592145+00
sla-monitor	0076f452-879c-4ac3-827e-2b3d1c1c83fb	2026-12-02 07:58:43.60951+00
sla-monitor	1dedc117-eae8-4a24-a272-77ec20d190c2	2026-12-02 07:58:43.623315+00
\.


--
-- Data for Name: idempotency_keys; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.idempotency_keys (party, key, method, path, request_hash, status_code, headers, body, created_at, expires_at) FROM stdin;
northwind	seed-contract-initech-northwind	POST	/contracts	c069a94f0f2f454f564ab0a510d92f554cef1e66c95461873d32ce22baf57594	201	{"ETag": "\\"1\\"", "Location": "/contracts/initech-northwind"}	{"id": "initech-northwind", "kind": "customer_facing", "name": "Initech managed network (24x7)", "credits": {"currency": "EUR", "per_breach": "250", "monthly_cap": "3000", "monthly_fee": "12000", "per_hour_beyond": "100", "per_breach_percent_of_fee": "0", "availability_percent_of_fee": "10"}, "targets": {"S1": {"update_minutes": 60, "resolve_minutes": 240, "respond_minutes": 15}, "S2": {"resolve_minutes": 480, "respond_minutes": 60}, "S3": {"resolve_minutes": 1440, "respond_minutes": 240}, "S4": {"resolve_minutes": 4800, "respond_minutes": 480}}, "version": 1, "warn_at": [50, 75, 90], "calendar": {"type": "24x7", "timezone": "UTC"}, "customer": "initech", "provider": "northwind", "effective_from": "2026-12-02T07:58:28.436822+00:00", "availability_target": "99.9"}	2026-12-02 07:58:28.44827+00	2026-12-03 07:58:28.44827+00
acme	seed-contract-northwind-acme	POST	/contracts	9e8272c56831432479fac383a608469ecdc42dc12fff32ef9c5c36fd1107c72b	201	{"ETag": "\\"1\\"", "Location": "/contracts/northwind-acme"}	{"id": "northwind-acme", "kind": "underpinning", "name": "Acme partner support for Northwind (24x7)", "credits": {"currency": "EUR", "per_breach": "250", "monthly_cap": "1000", "monthly_fee": "4000", "per_hour_beyond": "100", "per_breach_percent_of_fee": "0", "availability_percent_of_fee": "10"}, "targets": {"S1": {"resolve_minutes": 480, "respond_minutes": 30}, "S2": {"resolve_minutes": 960, "respond_minutes": 120}, "S3": {"resolve_minutes": 2880, "respond_minutes": 480}, "S4": {"resolve_minutes": 9600, "respond_minutes": 960}}, "version": 1, "warn_at": [50, 75, 90], "calendar": {"type": "24x7", "timezone": "UTC"}, "customer": "northwind", "provider": "acme", "effective_from": "2026-12-02T07:58:28.462246+00:00", "availability_target": "99.5"}	2026-12-02 07:58:28.465746+00	2026-12-03 07:58:28.465746+00
contoso	seed-contract-umbrella-contoso	POST	/contracts	9ea6d19574256349a46f5442a0f6c63077a437f4e7fd21f70035cca7e46c7100	201	{"ETag": "\\"1\\"", "Location": "/contracts/umbrella-contoso"}	{"id": "umbrella-contoso", "kind": "customer_facing", "name": "Umbrella firewall service (business hours)", "credits": {"currency": "EUR", "per_breach": "250", "monthly_cap": "3000", "monthly_fee": "12000", "per_hour_beyond": "100", "per_breach_percent_of_fee": "0", "availability_percent_of_fee": "10"}, "targets": {"S1": {"update_minutes": 60, "resolve_minutes": 240, "respond_minutes": 15}, "S2": {"resolve_minutes": 480, "respond_minutes": 60}, "S3": {"resolve_minutes": 1440, "respond_minutes": 240}, "S4": {"resolve_minutes": 4800, "respond_minutes": 480}}, "version": 1, "warn_at": [50, 75, 90], "calendar": {"type": "business_hours", "hours": {"fri": ["08:00-18:00"], "mon": ["08:00-18:00"], "sat": [], "sun": [], "thu": ["08:00-18:00"], "tue": ["08:00-18:00"], "wed": ["08:00-18:00"]}, "holidays": ["2026-11-26", "2026-12-25", "2027-01-01"], "timezone": "America/New_York"}, "customer": "umbrella", "provider": "contoso", "effective_from": "2026-12-02T07:58:28.472039+00:00", "availability_target": "99.5"}	2026-12-02 07:58:28.476708+00	2026-12-03 07:58:28.476708+00
acme	seed-contract-contoso-acme	POST	/contracts	aae22bc43b9324bb8ce18f6af6f4ae1c75a056bd9b530e0233c5762c86207f5f	201	{"ETag": "\\"1\\"", "Location": "/contracts/contoso-acme"}	{"id": "contoso-acme", "kind": "underpinning", "name": "Acme partner support for Contoso (business hours)", "credits": {"currency": "EUR", "per_breach": "250", "monthly_cap": "1000", "monthly_fee": "4000", "per_hour_beyond": "100", "per_breach_percent_of_fee": "0", "availability_percent_of_fee": "10"}, "targets": {"S1": {"resolve_minutes": 480, "respond_minutes": 30}, "S2": {"resolve_minutes": 960, "respond_minutes": 120}, "S3": {"resolve_minutes": 2880, "respond_minutes": 480}, "S4": {"resolve_minutes": 9600, "respond_minutes": 960}}, "version": 1, "warn_at": [50, 75, 90], "calendar": {"type": "business_hours", "hours": {"fri": ["08:00-18:00"], "mon": ["08:00-18:00"], "sat": [], "sun": [], "thu": ["08:00-18:00"], "tue": ["08:00-18:00"], "wed": ["08:00-18:00"]}, "holidays": ["2026-11-26", "2026-12-25", "2027-01-01"], "timezone": "America/New_York"}, "customer": "contoso", "provider": "acme", "effective_from": "2026-12-02T07:58:28.482173+00:00", "availability_target": null}	2026-12-02 07:58:28.495391+00	2026-12-03 07:58:28.495391+00
\.


--
-- Data for Name: incident_sla; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.incident_sla (incident_id, customer, partner, provider, severity, status, opened_at, resolved_at, rating, state) FROM stdin;
e83e2e4f-d735-44e4-a1c0-285572c6af05	initech	northwind	acme	S2	closed	2026-12-02 07:58:38.861338+00	2026-12-02 07:58:43.33803+00	\N	{"rating": null, "status": "closed", "last_at": "2026-12-02T07:58:43.403471Z", "partner": "northwind", "assigned": "northwind/L1", "customer": "initech", "provider": "acme", "severity": "S2", "coverages": [{"held": {"northwind/": 0.352586, "northwind/L1": 4.124106}, "kind": "customer_facing", "owed": "initech", "owing": "northwind", "clocks": {"resolve": {"name": "resolve", "round": 0, "stops": 1, "paused": false, "target": 28800.0, "warned": [], "elapsed": 4.476692, "outcome": "met", "started_at": "2026-12-02T07:58:38.861338Z", "stopped_at": "2026-12-02T07:58:43.338030Z", "breached_at": null, "running_since": null, "original_due_at": "2026-12-02T15:58:38.861338Z", "late_hours_credited": 0}, "respond": {"name": "respond", "round": 0, "stops": 1, "paused": false, "target": 3600.0, "warned": [], "elapsed": 0.615119, "outcome": "met", "started_at": "2026-12-02T07:58:38.861338Z", "stopped_at": "2026-12-02T07:58:39.476457Z", "breached_at": null, "running_since": null, "original_due_at": "2026-12-02T08:58:38.861338Z", "late_hours_credited": 0}}, "version": 1, "started_at": "2026-12-02T07:58:38.861338Z", "contract_id": "initech-northwind"}], "opened_at": "2026-12-02T07:58:38.861338Z", "incident_id": "e83e2e4f-d735-44e4-a1c0-285572c6af05", "resolved_at": "2026-12-02T07:58:43.338030Z", "handed_off_at": null, "acknowledged_by": ["northwind"]}
4d1d5197-d460-416c-b801-4540f4b5c79f	umbrella	contoso	acme	S3	closed	2026-12-02 07:58:38.849549+00	2026-12-02 07:58:43.302686+00	\N	{"rating": null, "status": "closed", "last_at": "2026-12-02T07:58:43.387647Z", "partner": "contoso", "assigned": "acme/TAC L1", "customer": "umbrella", "provider": "acme", "severity": "S3", "coverages": [{"held": {"contoso/": 0.0, "umbrella/": 0.0, "acme/TAC L1": 0.0}, "kind": "customer_facing", "owed": "umbrella", "owing": "contoso", "clocks": {"resolve": {"name": "resolve", "round": 0, "stops": 1, "paused": false, "target": 86400.0, "warned": [], "elapsed": 0.0, "outcome": "met", "started_at": "2026-12-02T07:58:38.849549Z", "stopped_at": "2026-12-02T07:58:43.302686Z", "breached_at": null, "running_since": null, "original_due_at": "2026-12-04T17:00:00Z", "late_hours_credited": 0}, "respond": {"name": "respond", "round": 0, "stops": 1, "paused": false, "target": 14400.0, "warned": [], "elapsed": 0.0, "outcome": "met", "started_at": "2026-12-02T07:58:38.849549Z", "stopped_at": "2026-12-02T07:58:39.421379Z", "breached_at": null, "running_since": null, "original_due_at": "2026-12-02T17:00:00Z", "late_hours_credited": 0}}, "version": 1, "started_at": "2026-12-02T07:58:38.849549Z", "contract_id": "umbrella-contoso"}, {"held": {"umbrella/": 0.0, "acme/TAC L1": 0.0}, "kind": "underpinning", "owed": "contoso", "owing": "acme", "clocks": {"resolve": {"name": "resolve", "round": 0, "stops": 1, "paused": false, "target": 172800.0, "warned": [], "elapsed": 0.0, "outcome": "met", "started_at": "2026-12-02T07:58:39.215640Z", "stopped_at": "2026-12-02T07:58:43.302686Z", "breached_at": null, "running_since": null, "original_due_at": "2026-12-08T21:00:00Z", "late_hours_credited": 0}, "respond": {"name": "respond", "round": 0, "stops": 1, "paused": false, "target": 28800.0, "warned": [], "elapsed": 0.0, "outcome": "met", "started_at": "2026-12-02T07:58:39.215640Z", "stopped_at": "2026-12-02T07:58:43.302686Z", "breached_at": null, "running_since": null, "original_due_at": "2026-12-02T21:00:00Z", "late_hours_credited": 0}}, "version": 1, "started_at": "2026-12-02T07:58:39.215640Z", "contract_id": "contoso-acme"}], "opened_at": "2026-12-02T07:58:38.849549Z", "incident_id": "4d1d5197-d460-416c-b801-4540f4b5c79f", "resolved_at": "2026-12-02T07:58:43.302686Z", "handed_off_at": "2026-12-02T07:58:39.215640Z", "acknowledged_by": ["contoso"]}
20dd4880-f1ff-4553-93aa-dfa0bb3a85e7	initech	northwind	acme	S1	closed	2026-12-02 07:58:38.833545+00	2026-12-02 07:58:43.279106+00	\N	{"rating": null, "status": "closed", "last_at": "2026-12-02T07:58:43.370358Z", "partner": "northwind", "assigned": "northwind/L2", "customer": "initech", "provider": "acme", "severity": "S1", "coverages": [{"held": {"northwind/": 0.309077, "northwind/L2": 4.136484}, "kind": "customer_facing", "owed": "initech", "owing": "northwind", "clocks": {"update": {"name": "update", "round": 1, "stops": 1, "paused": false, "target": 3600.0, "warned": [], "elapsed": 3.936006, "outcome": "met", "started_at": "2026-12-02T07:58:39.321586Z", "stopped_at": "2026-12-02T07:58:43.279106Z", "breached_at": null, "running_since": null, "original_due_at": "2026-12-02T08:58:39.343100Z", "late_hours_credited": 0}, "resolve": {"name": "resolve", "round": 0, "stops": 1, "paused": false, "target": 14400.0, "warned": [], "elapsed": 4.445561, "outcome": "met", "started_at": "2026-12-02T07:58:38.833545Z", "stopped_at": "2026-12-02T07:58:43.279106Z", "breached_at": null, "running_since": null, "original_due_at": "2026-12-02T11:58:38.833545Z", "late_hours_credited": 0}, "respond": {"name": "respond", "round": 0, "stops": 1, "paused": false, "target": 900.0, "warned": [], "elapsed": 0.488041, "outcome": "met", "started_at": "2026-12-02T07:58:38.833545Z", "stopped_at": "2026-12-02T07:58:39.321586Z", "breached_at": null, "running_since": null, "original_due_at": "2026-12-02T08:13:38.833545Z", "late_hours_credited": 0}}, "version": 1, "started_at": "2026-12-02T07:58:38.833545Z", "contract_id": "initech-northwind"}], "opened_at": "2026-12-02T07:58:38.833545Z", "incident_id": "20dd4880-f1ff-4553-93aa-dfa0bb3a85e7", "resolved_at": "2026-12-02T07:58:43.279106Z", "handed_off_at": null, "acknowledged_by": ["northwind", "acme"]}
\.


--
-- Data for Name: sla_clocks; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.sla_clocks (incident_id, contract_id, clock, contract_kind, owing, owed, severity, target_seconds, elapsed_seconds, started_at, running, paused, due_at, stopped_at, outcome, breached_at) FROM stdin;
e83e2e4f-d735-44e4-a1c0-285572c6af05	initech-northwind	resolve	customer_facing	northwind	initech	S2	28800	4.476692	2026-12-02 07:58:38.861338+00	f	f	\N	2026-12-02 07:58:43.33803+00	met	\N
e83e2e4f-d735-44e4-a1c0-285572c6af05	initech-northwind	respond	customer_facing	northwind	initech	S2	3600	0.615119	2026-12-02 07:58:38.861338+00	f	f	\N	2026-12-02 07:58:39.476457+00	met	\N
20dd4880-f1ff-4553-93aa-dfa0bb3a85e7	initech-northwind	update	customer_facing	northwind	initech	S1	3600	3.936006	2026-12-02 07:58:39.321586+00	f	f	\N	2026-12-02 07:58:43.279106+00	met	\N
20dd4880-f1ff-4553-93aa-dfa0bb3a85e7	initech-northwind	resolve	customer_facing	northwind	initech	S1	14400	4.445561	2026-12-02 07:58:38.833545+00	f	f	\N	2026-12-02 07:58:43.279106+00	met	\N
20dd4880-f1ff-4553-93aa-dfa0bb3a85e7	initech-northwind	respond	customer_facing	northwind	initech	S1	900	0.488041	2026-12-02 07:58:38.833545+00	f	f	\N	2026-12-02 07:58:39.321586+00	met	\N
4d1d5197-d460-416c-b801-4540f4b5c79f	umbrella-contoso	resolve	customer_facing	contoso	umbrella	S3	86400	0	2026-12-02 07:58:38.849549+00	f	f	\N	2026-12-02 07:58:43.302686+00	met	\N
4d1d5197-d460-416c-b801-4540f4b5c79f	umbrella-contoso	respond	customer_facing	contoso	umbrella	S3	14400	0	2026-12-02 07:58:38.849549+00	f	f	\N	2026-12-02 07:58:39.421379+00	met	\N
4d1d5197-d460-416c-b801-4540f4b5c79f	contoso-acme	resolve	underpinning	acme	contoso	S3	172800	0	2026-12-02 07:58:39.21564+00	f	f	\N	2026-12-02 07:58:43.302686+00	met	\N
4d1d5197-d460-416c-b801-4540f4b5c79f	contoso-acme	respond	underpinning	acme	contoso	S3	28800	0	2026-12-02 07:58:39.21564+00	f	f	\N	2026-12-02 07:58:43.302686+00	met	\N
\.


--
-- Data for Name: stream_positions; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.stream_positions (consumer, stream_id, version) FROM stdin;
sla-monitor	e83e2e4f-d735-44e4-a1c0-285572c6af05	10
sla-monitor	20dd4880-f1ff-4553-93aa-dfa0bb3a85e7	13
sla-monitor	4d1d5197-d460-416c-b801-4540f4b5c79f	11
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
-- Name: events_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.events_id_seq', 27, true);


--
-- Name: alembic_version alembic_version_pkc; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.alembic_version
    ADD CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num);


--
-- Name: contracts contracts_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.contracts
    ADD CONSTRAINT contracts_pkey PRIMARY KEY (contract_id, version);


--
-- Name: credits credits_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.credits
    ADD CONSTRAINT credits_pkey PRIMARY KEY (key);


--
-- Name: dead_letters dead_letters_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.dead_letters
    ADD CONSTRAINT dead_letters_pkey PRIMARY KEY (id);


--
-- Name: downtime downtime_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.downtime
    ADD CONSTRAINT downtime_pkey PRIMARY KEY (contract_id, incident_id, started_at);


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
-- Name: incident_sla incident_sla_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.incident_sla
    ADD CONSTRAINT incident_sla_pkey PRIMARY KEY (incident_id);


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
-- Name: contracts_in_force; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX contracts_in_force ON public.contracts USING btree (kind, provider, customer, effective_from);


--
-- Name: credits_month; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX credits_month ON public.credits USING btree (contract_id, month);


--
-- Name: events_unpublished; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX events_unpublished ON public.events USING btree (tx_id, id) WHERE ("position" IS NULL);


--
-- Name: idempotency_keys_expiry; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idempotency_keys_expiry ON public.idempotency_keys USING btree (expires_at);


--
-- Name: sla_clocks_at_risk; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX sla_clocks_at_risk ON public.sla_clocks USING btree (due_at) WHERE running;


--
-- Name: sla_clocks_contract; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX sla_clocks_contract ON public.sla_clocks USING btree (contract_id, started_at);


--
-- Name: timers_due; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX timers_due ON public.timers USING btree (due_at, key);


--
-- PostgreSQL database dump complete
--

\unrestrict kjI5VrUqDk3x6YbmrDusTHjqscaGRYTy3uTDWDZ0E8VaPh86bjHKnnT3ceued3x

