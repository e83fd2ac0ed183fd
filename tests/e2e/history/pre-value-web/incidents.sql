--
-- PostgreSQL database dump
--

\restrict 5mb7EFnKhoOxoLE6lYxTSZ7padONW3Ts6vNhynVqQaixEDzbRKUZQ4HgI0VmuJg

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
-- Name: incident_external_refs; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.incident_external_refs (
    owner text NOT NULL,
    type text NOT NULL,
    ref text NOT NULL,
    incident_id text NOT NULL
);


--
-- Name: incident_notes; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.incident_notes (
    incident_id text NOT NULL,
    note_id text NOT NULL,
    version integer NOT NULL,
    author_party text NOT NULL,
    author_user text NOT NULL,
    visibility text NOT NULL,
    body text NOT NULL,
    created_at timestamp with time zone NOT NULL,
    edited_at timestamp with time zone,
    deleted boolean DEFAULT false NOT NULL,
    parties text[] NOT NULL,
    metadata jsonb NOT NULL
);


--
-- Name: incident_snapshots; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.incident_snapshots (
    incident_id text NOT NULL,
    version integer NOT NULL,
    schema text NOT NULL,
    state jsonb NOT NULL
);


--
-- Name: incidents; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.incidents (
    seq bigint NOT NULL,
    id text NOT NULL,
    version integer NOT NULL,
    title text NOT NULL,
    status text NOT NULL,
    severity text NOT NULL,
    product text NOT NULL,
    customer text NOT NULL,
    partner text NOT NULL,
    provider text NOT NULL,
    collaborators text[] DEFAULT '{}'::text[] NOT NULL,
    opened_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    resolved_at timestamp with time zone
);


--
-- Name: incidents_seq_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.incidents_seq_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: incidents_seq_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.incidents_seq_seq OWNED BY public.incidents.seq;


--
-- Name: parties; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.parties (
    id text NOT NULL,
    kind text NOT NULL,
    name text NOT NULL,
    provider text,
    partner text,
    customers text[] DEFAULT '{}'::text[] NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT parties_kind_check CHECK ((kind = ANY (ARRAY['provider'::text, 'partner'::text, 'customer'::text])))
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
-- Name: dead_letters id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.dead_letters ALTER COLUMN id SET DEFAULT nextval('public.dead_letters_id_seq'::regclass);


--
-- Name: events id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.events ALTER COLUMN id SET DEFAULT nextval('public.events_id_seq'::regclass);


--
-- Name: incidents seq; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.incidents ALTER COLUMN seq SET DEFAULT nextval('public.incidents_seq_seq'::regclass);


--
-- Data for Name: alembic_version; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.alembic_version (version_num) FROM stdin;
0002
\.


--
-- Data for Name: dead_letters; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.dead_letters (id, consumer, topic, event_id, stream_id, error, headers, value, created_at, replayed_at) FROM stdin;
\.


--
-- Data for Name: events; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.events (id, tx_id, "position", event_id, stream_id, stream_version, type, data, metadata, recorded_at, published_at) FROM stdin;
1	891	1	e10bf4d1-7b00-4f19-a24d-13c7644b794d	20dd4880-f1ff-4553-93aa-dfa0bb3a85e7	1	village.incident.opened.v1	{"title": "Core router down", "partner": "northwind", "product": "routers", "customer": "initech", "provider": "acme", "severity": "S1", "opened_by": "northwind-user", "requester": "northwind", "description": "Site-to-site tunnel to Leeds dropped at 09:12.", "incident_id": "20dd4880-f1ff-4553-93aa-dfa0bb3a85e7", "external_refs": [], "impacted_service": "branch-vpn"}	{"parties": ["acme", "initech", "northwind"], "provider": "acme", "actor_kind": "partner", "actor_user": "northwind-user", "visibility": "shared", "actor_party": "northwind", "traceparent": "00-ff3756697341c0ef2065fadc5bce458d-ac45e71b9b3e8fcc-02", "causation_id": null, "correlation_id": "289a8bff-31af-40f3-916c-82938fc18fc3"}	2026-12-02 07:58:38.833545+00	2026-12-02 07:58:38.85131+00
2	892	2	a42edbc2-d461-419f-9d35-b18c00abb986	4d1d5197-d460-416c-b801-4540f4b5c79f	1	village.incident.opened.v1	{"title": "Slow VPN", "partner": "contoso", "product": "routers", "customer": "umbrella", "provider": "acme", "severity": "S3", "opened_by": "contoso-user", "requester": "contoso", "description": "Site-to-site tunnel to Leeds dropped at 09:12.", "incident_id": "4d1d5197-d460-416c-b801-4540f4b5c79f", "external_refs": [], "impacted_service": "branch-vpn"}	{"parties": ["acme", "contoso", "umbrella"], "provider": "acme", "actor_kind": "partner", "actor_user": "contoso-user", "visibility": "shared", "actor_party": "contoso", "traceparent": "00-4755138beec4634b8cc121faf329b2f3-7eb22e82d414161c-02", "causation_id": null, "correlation_id": "a65ab9f4-b8b6-4dad-ae50-406e0d3d43db"}	2026-12-02 07:58:38.849549+00	2026-12-02 07:58:38.87072+00
3	894	3	56b01d5a-88ce-4d30-a063-2ec4bf8fd8e9	e83e2e4f-d735-44e4-a1c0-285572c6af05	1	village.incident.opened.v1	{"title": "VPN tunnel flapping", "partner": "northwind", "product": "routers", "customer": "initech", "provider": "acme", "severity": "S2", "opened_by": "northwind-user", "requester": "northwind", "description": "Site-to-site tunnel to Leeds dropped at 09:12.", "incident_id": "e83e2e4f-d735-44e4-a1c0-285572c6af05", "external_refs": [], "impacted_service": "branch-vpn"}	{"parties": ["acme", "initech", "northwind"], "provider": "acme", "actor_kind": "partner", "actor_user": "northwind-user", "visibility": "shared", "actor_party": "northwind", "traceparent": "00-d551615fff83e3cea88ed011c0742052-7f8d24e9c31db837-02", "causation_id": null, "correlation_id": "46a3ea62-7747-4dc4-bbe7-11159e6a8c7d"}	2026-12-02 07:58:38.861338+00	2026-12-02 07:58:38.885815+00
4	910	4	79406af4-3887-4a48-9b24-a4337add5c5f	20dd4880-f1ff-4553-93aa-dfa0bb3a85e7	2	village.incident.assigned.v1	{"tier": "L2", "party": "northwind", "assignee": null}	{"parties": ["acme", "initech", "northwind"], "provider": "acme", "actor_kind": "service", "actor_user": "escalation", "visibility": "restricted", "actor_party": "escalation", "traceparent": "00-ff3756697341c0ef2065fadc5bce458d-8cae037d6b1bce98-02", "causation_id": "2fefc332-6322-5c30-a3d4-64ad351ee0bd", "correlation_id": "656ee17f-32dc-4e55-989b-1c9e860a8520"}	2026-12-02 07:58:39.142622+00	2026-12-02 07:58:39.217796+00
5	916	5	3d8f7635-79dd-42e7-90ed-333bf062e9a8	e83e2e4f-d735-44e4-a1c0-285572c6af05	2	village.incident.assigned.v1	{"tier": "L1", "party": "northwind", "assignee": null}	{"parties": ["acme", "initech", "northwind"], "provider": "acme", "actor_kind": "service", "actor_user": "escalation", "visibility": "restricted", "actor_party": "escalation", "traceparent": "00-d551615fff83e3cea88ed011c0742052-aa406872befe6f97-02", "causation_id": "585c9158-0321-5c13-8458-d448b1fff577", "correlation_id": "54bef53d-b1d5-44c5-8bf0-e672a3332d19"}	2026-12-02 07:58:39.213924+00	2026-12-02 07:58:39.228389+00
6	917	6	eb499cab-4ed8-4fa1-8dfc-be334310de5c	4d1d5197-d460-416c-b801-4540f4b5c79f	2	village.incident.escalated.v1	{"reason": "S3 for routers: contoso is not certified for routers (rule uncertified of acme, v1)", "to_tier": "TAC L1", "to_party": "acme", "from_tier": null, "from_party": null, "decision_id": "bc1ea7cd-af86-5f09-b28f-ea0f5f7fb8e6"}	{"parties": ["acme", "contoso", "umbrella"], "provider": "acme", "actor_kind": "service", "actor_user": "escalation", "visibility": "restricted", "actor_party": "escalation", "traceparent": "00-4755138beec4634b8cc121faf329b2f3-155a7374c497d9ce-02", "causation_id": "bc1ea7cd-af86-5f09-b28f-ea0f5f7fb8e6", "correlation_id": "7b09b000-8028-4108-8854-59698613a467"}	2026-12-02 07:58:39.21564+00	2026-12-02 07:58:39.228389+00
7	925	7	9a0e30e0-2351-474e-8549-996899ee2603	20dd4880-f1ff-4553-93aa-dfa0bb3a85e7	3	village.incident.acknowledged.v1	{"user": "northwind-user", "party": "northwind"}	{"parties": ["acme", "initech", "northwind"], "provider": "acme", "actor_kind": "partner", "actor_user": "northwind-user", "visibility": "shared", "actor_party": "northwind", "traceparent": "00-7449e1e82fa3643cdb3170bd8c88f1b6-8bcac97899c8b3fe-02", "causation_id": null, "correlation_id": "5ebb3189-cbfe-47cd-91e9-af241342719e"}	2026-12-02 07:58:39.321586+00	2026-12-02 07:58:39.334676+00
8	929	8	568a11b4-2240-4400-bd70-d7ef3d50d089	20dd4880-f1ff-4553-93aa-dfa0bb3a85e7	4	village.incident.note_added.v1	{"body": "shared note", "note_id": "95fab0f4-fb0a-4be5-8f1a-f361065b44cf", "author_user": "northwind-user", "author_party": "northwind", "note_visibility": "shared"}	{"fact": ["note_id", "author_party", "note_visibility"], "sealed": true, "parties": ["acme", "initech", "northwind"], "provider": "acme", "actor_kind": "partner", "actor_user": "northwind-user", "visibility": "shared", "actor_party": "northwind", "traceparent": "00-c0afb8f258992aca615b3808938b06d7-279fd9e6233cc17b-02", "causation_id": null, "correlation_id": "985956ee-195d-44f7-ae93-a34cf778b514"}	2026-12-02 07:58:39.3431+00	2026-12-02 07:58:39.359688+00
9	934	9	d50c8350-2095-4a4e-ac21-1c4a873e2581	20dd4880-f1ff-4553-93aa-dfa0bb3a85e7	5	village.incident.note_added.v1	{"body": "restricted note", "note_id": "eb426278-6857-4bd1-a3f3-abe7b04c86b5", "author_user": "northwind-user", "author_party": "northwind", "note_visibility": "restricted"}	{"fact": ["note_id", "author_party", "note_visibility"], "sealed": true, "parties": ["acme", "initech", "northwind"], "provider": "acme", "actor_kind": "partner", "actor_user": "northwind-user", "visibility": "restricted", "actor_party": "northwind", "traceparent": "00-bb3bb1104d9faffc94181397a873eef4-a90cca361e8e9538-02", "causation_id": null, "correlation_id": "c9aa9cca-b6d0-4260-bcd8-93525677c1c8"}	2026-12-02 07:58:39.366391+00	2026-12-02 07:58:39.388024+00
22	965	22	4a510e17-86b8-4967-89d1-5db95a36e774	20dd4880-f1ff-4553-93aa-dfa0bb3a85e7	10	village.incident.collaborator_invited.v1	{"scope": "review", "partner": "contoso", "invited_by": "northwind"}	{"parties": ["acme", "contoso", "initech", "northwind"], "provider": "acme", "actor_kind": "partner", "actor_user": "northwind-user", "visibility": "restricted", "actor_party": "northwind", "traceparent": "00-275152d2fef6aa354bb919d66e388286-732a90cd033c4138-02", "causation_id": null, "correlation_id": "a43598d6-f03a-417b-a9e6-00f537415ca7"}	2026-12-02 07:58:39.530234+00	2026-12-02 07:58:39.536578+00
24	969	24	3e77e005-9ebe-4dc1-b87a-1c423d6e2f20	e83e2e4f-d735-44e4-a1c0-285572c6af05	7	village.incident.impact_started.v1	{"started_at": "2026-12-02T07:58:39.545287+00:00", "description": "tunnel down"}	{"parties": ["acme", "initech", "northwind"], "provider": "acme", "actor_kind": "partner", "actor_user": "northwind-user", "visibility": "shared", "actor_party": "northwind", "traceparent": "00-5de5212f897499d9a21c206cd59bdad0-c6522b2516a015b4-02", "causation_id": null, "correlation_id": "2de70d87-e880-4828-a5a6-3c4605f56d7e"}	2026-12-02 07:58:39.545313+00	2026-12-02 07:58:39.550198+00
12	942	12	1fe0760d-64be-48c4-9fce-74f08d8dc3dd	4d1d5197-d460-416c-b801-4540f4b5c79f	4	village.incident.note_added.v1	{"body": "shared note", "note_id": "23b23b58-9cf2-48c6-8a27-75f288d7c90a", "author_user": "contoso-user", "author_party": "contoso", "note_visibility": "shared"}	{"fact": ["note_id", "author_party", "note_visibility"], "sealed": true, "parties": ["acme", "contoso", "umbrella"], "provider": "acme", "actor_kind": "partner", "actor_user": "contoso-user", "visibility": "shared", "actor_party": "contoso", "traceparent": "00-22702bed8c047c3b0f9568275ad59928-20b937d55ef321b3-02", "causation_id": null, "correlation_id": "6af8ad1f-d6dc-42df-b877-983263293c6d"}	2026-12-02 07:58:39.439172+00	2026-12-02 07:58:39.456218+00
21	963	21	09a86dcc-76dd-4089-865b-d73c8d66cfc3	20dd4880-f1ff-4553-93aa-dfa0bb3a85e7	9	village.incident.note_added.v1	{"body": "any news?", "note_id": "b78a1d71-f0f5-4436-96aa-f6165efc4547", "author_user": "initech-user", "author_party": "initech", "note_visibility": "shared"}	{"fact": ["note_id", "author_party", "note_visibility"], "sealed": true, "parties": ["acme", "initech", "northwind"], "provider": "acme", "actor_kind": "customer", "actor_user": "initech-user", "visibility": "shared", "actor_party": "initech", "traceparent": "00-0316c0ac185fa7bb27e17b7b1979f850-52104831a800af62-02", "causation_id": null, "correlation_id": "313ee0c9-c7f5-4c3d-b49b-939c7378d413"}	2026-12-02 07:58:39.522459+00	2026-12-02 07:58:39.527945+00
23	967	23	48f034c3-9f9c-464b-bf89-de46b6971c44	20dd4880-f1ff-4553-93aa-dfa0bb3a85e7	11	village.incident.note_added.v1	{"body": "contoso: seen it", "note_id": "9d0f33f5-8549-43b8-9a4c-23a1d45f99dd", "author_user": "contoso-user", "author_party": "contoso", "note_visibility": "restricted"}	{"fact": ["note_id", "author_party", "note_visibility"], "sealed": true, "parties": ["acme", "contoso", "initech", "northwind"], "provider": "acme", "actor_kind": "partner", "actor_user": "contoso-user", "visibility": "restricted", "actor_party": "contoso", "traceparent": "00-8a67fa74d4bf8f7f7eee7facd65a1134-5207b5203e62e25e-02", "causation_id": null, "correlation_id": "55037878-1356-49a4-a2d4-863ccba74c67"}	2026-12-02 07:58:39.537999+00	2026-12-02 07:58:39.543529+00
25	971	25	bd2b6200-ac2c-4658-9148-fdad0c7cb92e	e83e2e4f-d735-44e4-a1c0-285572c6af05	8	village.incident.impact_ended.v1	{"ended_at": "2026-12-02T07:58:39.551866+00:00", "started_at": "2026-12-02T07:58:39.545287+00:00"}	{"parties": ["acme", "initech", "northwind"], "provider": "acme", "actor_kind": "partner", "actor_user": "northwind-user", "visibility": "shared", "actor_party": "northwind", "traceparent": "00-666d9392ad04f352936c0a66926c0cba-a4068c38e6b085be-02", "causation_id": null, "correlation_id": "451c5b47-2db2-488d-926f-e9371e0bd199"}	2026-12-02 07:58:39.551893+00	2026-12-02 07:58:39.556802+00
26	973	26	55832dd4-69b0-4d98-b5be-f7a25d540a85	4d1d5197-d460-416c-b801-4540f4b5c79f	7	village.incident.status_changed.v1	{"reason": null, "to_status": "pending_customer", "from_status": "acknowledged"}	{"parties": ["acme", "contoso", "umbrella"], "provider": "acme", "actor_kind": "partner", "actor_user": "contoso-user", "visibility": "shared", "actor_party": "contoso", "traceparent": "00-3126f4b7577697e6e835ab1c49f1c4e2-77ba3a5c52197d7f-02", "causation_id": null, "correlation_id": "9892de74-e00a-4e51-8016-4b9796993b85"}	2026-12-02 07:58:39.559785+00	2026-12-02 07:58:39.571849+00
27	979	27	58353341-bcb6-45e0-9640-187ef5af875e	4d1d5197-d460-416c-b801-4540f4b5c79f	8	village.incident.note_added.v1	{"body": "logs attached", "note_id": "0403108d-ac81-458a-9a28-056317c1d322", "author_user": "umbrella-user", "author_party": "umbrella", "note_visibility": "shared"}	{"fact": ["note_id", "author_party", "note_visibility"], "sealed": true, "parties": ["acme", "contoso", "umbrella"], "provider": "acme", "actor_kind": "customer", "actor_user": "umbrella-user", "visibility": "shared", "actor_party": "umbrella", "traceparent": "00-c5c8dc0db8f56330b1735e0e5a3aaedc-2b66c4ddad14f0a1-02", "causation_id": null, "correlation_id": "a244bbfc-75ec-4c12-9a57-57c8ce70fe28"}	2026-12-02 07:58:39.585317+00	2026-12-02 07:58:39.597546+00
30	1062	30	a5374b6e-d11a-4e28-9a1b-197718251b07	4d1d5197-d460-416c-b801-4540f4b5c79f	10	village.incident.resolved.v1	{"from_status": "in_progress", "resolution_code": "config-fix", "resolution_notes": "done"}	{"parties": ["acme", "contoso", "umbrella"], "provider": "acme", "actor_kind": "partner", "actor_user": "contoso-user", "visibility": "shared", "actor_party": "contoso", "traceparent": "00-e8697f8037bdbd3b929981561d955d7f-719c67e5b30caa96-02", "causation_id": null, "correlation_id": "cc852524-be43-4f91-b0cd-fea71810265a"}	2026-12-02 07:58:43.302686+00	2026-12-02 07:58:43.323305+00
10	939	10	9dfab168-3e4f-457a-bf8d-b1a7ba8c4a80	20dd4880-f1ff-4553-93aa-dfa0bb3a85e7	6	village.incident.note_added.v1	{"body": "internal note", "note_id": "98cbf8f5-ab31-4164-b20f-a874ee6646d3", "author_user": "northwind-user", "author_party": "northwind", "note_visibility": "internal"}	{"fact": ["note_id", "author_party", "note_visibility"], "sealed": true, "parties": ["acme", "initech", "northwind"], "provider": "acme", "actor_kind": "partner", "actor_user": "northwind-user", "visibility": "internal", "actor_party": "northwind", "traceparent": "00-1258c84875fe5f4271868cb3fab2f620-bc423fcaa133bda3-02", "causation_id": null, "correlation_id": "d30ae5cb-59e9-4826-a9d1-131d140943ba"}	2026-12-02 07:58:39.394861+00	2026-12-02 07:58:39.456218+00
11	940	11	b609f8ce-a257-4d5b-9157-16831a034405	4d1d5197-d460-416c-b801-4540f4b5c79f	3	village.incident.acknowledged.v1	{"user": "contoso-user", "party": "contoso"}	{"parties": ["acme", "contoso", "umbrella"], "provider": "acme", "actor_kind": "partner", "actor_user": "contoso-user", "visibility": "shared", "actor_party": "contoso", "traceparent": "00-910967df947fa31596bf61a27a602953-dfa29b4fbec51198-02", "causation_id": null, "correlation_id": "944183cc-85fc-46b1-b0e0-9fad51d37b56"}	2026-12-02 07:58:39.421379+00	2026-12-02 07:58:39.456218+00
13	947	13	7c84d688-b18f-477d-9dd3-1dbd503763ba	4d1d5197-d460-416c-b801-4540f4b5c79f	5	village.incident.note_added.v1	{"body": "restricted note", "note_id": "e4cea28b-5848-449b-8faa-4cc52412116a", "author_user": "contoso-user", "author_party": "contoso", "note_visibility": "restricted"}	{"fact": ["note_id", "author_party", "note_visibility"], "sealed": true, "parties": ["acme", "contoso", "umbrella"], "provider": "acme", "actor_kind": "partner", "actor_user": "contoso-user", "visibility": "restricted", "actor_party": "contoso", "traceparent": "00-fb900d19009b5696622c881c6c1d8503-ea5c0307a0a78116-02", "causation_id": null, "correlation_id": "f90a1f5c-1fe6-4dba-8b30-6f36087ff74a"}	2026-12-02 07:58:39.459705+00	2026-12-02 07:58:39.46574+00
14	949	14	e0be925e-2975-4a44-a754-fb6d8ad297a7	4d1d5197-d460-416c-b801-4540f4b5c79f	6	village.incident.note_added.v1	{"body": "internal note", "note_id": "91dd3090-0f73-472b-ad68-e583edd8b5cc", "author_user": "contoso-user", "author_party": "contoso", "note_visibility": "internal"}	{"fact": ["note_id", "author_party", "note_visibility"], "sealed": true, "parties": ["acme", "contoso", "umbrella"], "provider": "acme", "actor_kind": "partner", "actor_user": "contoso-user", "visibility": "internal", "actor_party": "contoso", "traceparent": "00-acde8b1bed417dc38877b02efec70020-ac9f29b5a76c53ab-02", "causation_id": null, "correlation_id": "f5670ace-66b4-412b-a6fb-283bd508a442"}	2026-12-02 07:58:39.46875+00	2026-12-02 07:58:39.475111+00
15	951	15	abeab08c-8e20-4dad-9afb-686ec9602f09	e83e2e4f-d735-44e4-a1c0-285572c6af05	3	village.incident.acknowledged.v1	{"user": "northwind-user", "party": "northwind"}	{"parties": ["acme", "initech", "northwind"], "provider": "acme", "actor_kind": "partner", "actor_user": "northwind-user", "visibility": "shared", "actor_party": "northwind", "traceparent": "00-51786ff764af6c7ec9c653ae6647a7a6-30bc4345d9129b15-02", "causation_id": null, "correlation_id": "41accb8a-0ccc-4ec0-ac3f-2c7997d82669"}	2026-12-02 07:58:39.476457+00	2026-12-02 07:58:39.481796+00
16	953	16	a6e309e8-86c8-40ee-a3c3-7ea839d802ba	e83e2e4f-d735-44e4-a1c0-285572c6af05	4	village.incident.note_added.v1	{"body": "shared note", "note_id": "fe46d02b-f071-4fd5-9242-9e10a45792ca", "author_user": "northwind-user", "author_party": "northwind", "note_visibility": "shared"}	{"fact": ["note_id", "author_party", "note_visibility"], "sealed": true, "parties": ["acme", "initech", "northwind"], "provider": "acme", "actor_kind": "partner", "actor_user": "northwind-user", "visibility": "shared", "actor_party": "northwind", "traceparent": "00-b0ae3abd6c73502e17d00162ca0f10dd-d19c15096b1063e7-02", "causation_id": null, "correlation_id": "a265c5a0-25a7-4851-a30e-a8699522035e"}	2026-12-02 07:58:39.483989+00	2026-12-02 07:58:39.489577+00
17	955	17	c927a1ab-2879-48d2-87cb-ac56425c9e70	e83e2e4f-d735-44e4-a1c0-285572c6af05	5	village.incident.note_added.v1	{"body": "restricted note", "note_id": "a9576707-8e69-479d-8656-38ca50e903df", "author_user": "northwind-user", "author_party": "northwind", "note_visibility": "restricted"}	{"fact": ["note_id", "author_party", "note_visibility"], "sealed": true, "parties": ["acme", "initech", "northwind"], "provider": "acme", "actor_kind": "partner", "actor_user": "northwind-user", "visibility": "restricted", "actor_party": "northwind", "traceparent": "00-2cca3cd7ddcc382bebf848a26339400b-62771e7b5de34251-02", "causation_id": null, "correlation_id": "b8ec8adf-be20-4f59-88e5-ba04fd037bd9"}	2026-12-02 07:58:39.491634+00	2026-12-02 07:58:39.497278+00
18	957	18	b60243ae-fad5-4703-97ae-5c9b43b7e069	e83e2e4f-d735-44e4-a1c0-285572c6af05	6	village.incident.note_added.v1	{"body": "internal note", "note_id": "558a259d-cef4-44ea-9942-c21970c39fd4", "author_user": "northwind-user", "author_party": "northwind", "note_visibility": "internal"}	{"fact": ["note_id", "author_party", "note_visibility"], "sealed": true, "parties": ["acme", "initech", "northwind"], "provider": "acme", "actor_kind": "partner", "actor_user": "northwind-user", "visibility": "internal", "actor_party": "northwind", "traceparent": "00-f677c37476d7c990368ad4416a81c26a-10db949479b9cfb1-02", "causation_id": null, "correlation_id": "56763fe9-71a4-427c-af4e-4811f74d2070"}	2026-12-02 07:58:39.499085+00	2026-12-02 07:58:39.504647+00
19	959	19	e858d006-91a7-405e-830a-a6db2b2652bd	20dd4880-f1ff-4553-93aa-dfa0bb3a85e7	7	village.incident.acknowledged.v1	{"user": "acme-user", "party": "acme"}	{"parties": ["acme", "initech", "northwind"], "provider": "acme", "actor_kind": "provider", "actor_user": "acme-user", "visibility": "shared", "actor_party": "acme", "traceparent": "00-8654d37ba94bfc79c52b02d6bac3b556-ca1ffb0e862fc381-02", "causation_id": null, "correlation_id": "8065d8f7-779c-4568-b617-96cc8160236e"}	2026-12-02 07:58:39.506442+00	2026-12-02 07:58:39.512031+00
20	961	20	02ef7cce-52cd-4f97-86fd-5e63055089de	20dd4880-f1ff-4553-93aa-dfa0bb3a85e7	8	village.incident.note_added.v1	{"body": "acme: known defect", "note_id": "5df556cc-0391-4a34-a6e2-628b2d9f110c", "author_user": "acme-user", "author_party": "acme", "note_visibility": "restricted"}	{"fact": ["note_id", "author_party", "note_visibility"], "sealed": true, "parties": ["acme", "initech", "northwind"], "provider": "acme", "actor_kind": "provider", "actor_user": "acme-user", "visibility": "restricted", "actor_party": "acme", "traceparent": "00-46b966392a7eea8d6d1bebfb737484c5-9f9cef19e37d7164-02", "causation_id": null, "correlation_id": "f1294c92-7f5d-4a45-bcdc-37f04f63036e"}	2026-12-02 07:58:39.514489+00	2026-12-02 07:58:39.520389+00
28	982	28	61266e7b-917d-4258-bdd2-1ded16517e8f	4d1d5197-d460-416c-b801-4540f4b5c79f	9	village.incident.status_changed.v1	{"reason": null, "to_status": "in_progress", "from_status": "pending_customer"}	{"parties": ["acme", "contoso", "umbrella"], "provider": "acme", "actor_kind": "partner", "actor_user": "contoso-user", "visibility": "shared", "actor_party": "contoso", "traceparent": "00-8dd283d7abd9287c9d45ff6906941469-342a5d159ff9249a-02", "causation_id": null, "correlation_id": "2038cbc5-e713-4ed8-a604-daecba68cfbf"}	2026-12-02 07:58:39.604207+00	2026-12-02 07:58:39.618289+00
32	1079	32	0076f452-879c-4ac3-827e-2b3d1c1c83fb	20dd4880-f1ff-4553-93aa-dfa0bb3a85e7	13	village.incident.closed.v1	{"reason": null, "automatic": false}	{"parties": ["acme", "contoso", "initech", "northwind"], "provider": "acme", "actor_kind": "customer", "actor_user": "initech-user", "visibility": "shared", "actor_party": "initech", "traceparent": "00-1062a82f2a5722b73951bf9f49514e5c-33da119298d99601-02", "causation_id": null, "correlation_id": "d868bc26-2cb0-4e0c-ac58-74528f372dd1"}	2026-12-02 07:58:43.370358+00	2026-12-02 07:58:43.381478+00
33	1084	33	1dedc117-eae8-4a24-a272-77ec20d190c2	4d1d5197-d460-416c-b801-4540f4b5c79f	11	village.incident.closed.v1	{"reason": null, "automatic": false}	{"parties": ["acme", "contoso", "umbrella"], "provider": "acme", "actor_kind": "customer", "actor_user": "umbrella-user", "visibility": "shared", "actor_party": "umbrella", "traceparent": "00-3b130caa9010df9826b608a6fba557f2-58cdd498d1176faf-02", "causation_id": null, "correlation_id": "9c74de3a-10c5-446f-8733-a16f5cd4b75e"}	2026-12-02 07:58:43.387647+00	2026-12-02 07:58:43.398686+00
34	1087	34	5a4c777b-006b-4acf-b3cf-6538fc8b95b0	e83e2e4f-d735-44e4-a1c0-285572c6af05	10	village.incident.closed.v1	{"reason": null, "automatic": false}	{"parties": ["acme", "initech", "northwind"], "provider": "acme", "actor_kind": "customer", "actor_user": "initech-user", "visibility": "shared", "actor_party": "initech", "traceparent": "00-215570e041ebb64de4a949ce00bc6eec-af5b0abf5e40f8d9-02", "causation_id": null, "correlation_id": "4621beec-8953-40fb-96aa-74499260e7ab"}	2026-12-02 07:58:43.403471+00	2026-12-02 07:58:43.41092+00
29	1060	29	9c57756c-1eb9-4f2b-9ec1-682dce3b0f87	20dd4880-f1ff-4553-93aa-dfa0bb3a85e7	12	village.incident.resolved.v1	{"from_status": "acknowledged", "resolution_code": "config-fix", "resolution_notes": "done"}	{"parties": ["acme", "contoso", "initech", "northwind"], "provider": "acme", "actor_kind": "provider", "actor_user": "acme-user", "visibility": "shared", "actor_party": "acme", "traceparent": "00-20e9dc25c22659c9eba63a88165f71ad-b73cdaed4ce377f6-02", "causation_id": null, "correlation_id": "2b4477c5-ce88-4aaf-a05b-b195510d108e"}	2026-12-02 07:58:43.279106+00	2026-12-02 07:58:43.308591+00
31	1072	31	dc1b2857-4064-4b74-abcb-26457720acc4	e83e2e4f-d735-44e4-a1c0-285572c6af05	9	village.incident.resolved.v1	{"from_status": "acknowledged", "resolution_code": "config-fix", "resolution_notes": "done"}	{"parties": ["acme", "initech", "northwind"], "provider": "acme", "actor_kind": "partner", "actor_user": "northwind-user", "visibility": "shared", "actor_party": "northwind", "traceparent": "00-89dddb0868d3d221567214dd7d9e691f-fa40e8c76f7e8207-02", "causation_id": null, "correlation_id": "a364b79c-cff4-4ae8-a9a3-86147f367807"}	2026-12-02 07:58:43.33803+00	2026-12-02 07:58:43.36621+00
\.


--
-- Data for Name: handled_events; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.handled_events (consumer, event_id, handled_at) FROM stdin;
\.


--
-- Data for Name: idempotency_keys; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.idempotency_keys (party, key, method, path, request_hash, status_code, headers, body, created_at, expires_at) FROM stdin;
devstack	seed-party-acme	POST	/parties	48ded7c25496fb1b71ebc38fd6cf5d824961d1e0dc6af3b62289e53886056499	201	{}	{"id": "acme", "kind": "provider", "name": "Acme Networks", "changed": true, "partner": null, "provider": null, "customers": []}	2026-12-02 07:58:23.765917+00	2026-12-03 07:58:23.765917+00
devstack	seed-party-northwind	POST	/parties	8d23fba068115d4e5e5ab05a83e3f2f58a4f67a61094d4f20db0a9bc98786ab7	201	{}	{"id": "northwind", "kind": "partner", "name": "Northwind Traders", "changed": true, "partner": null, "provider": "acme", "customers": ["initech"]}	2026-12-02 07:58:23.775246+00	2026-12-03 07:58:23.775246+00
devstack	seed-party-contoso	POST	/parties	df2352203bc7f54f0c695563a13f81f9a219c7af5ff9b72b87fa00242fe60229	201	{}	{"id": "contoso", "kind": "partner", "name": "Contoso", "changed": true, "partner": null, "provider": "acme", "customers": ["umbrella"]}	2026-12-02 07:58:23.783174+00	2026-12-03 07:58:23.783174+00
devstack	seed-party-initech	POST	/parties	fdaa61f55383bac6b4d0d53b22b05301992273bf10cf98c1537f7bc08d619bc9	201	{}	{"id": "initech", "kind": "customer", "name": "Initech", "changed": true, "partner": "northwind", "provider": null, "customers": []}	2026-12-02 07:58:23.788984+00	2026-12-03 07:58:23.788984+00
devstack	seed-party-umbrella	POST	/parties	2ce0e2447edf5032687a66354b7c04ba87e87dbaec544bb4e5fda051c746bf36	201	{}	{"id": "umbrella", "kind": "customer", "name": "Umbrella Corporation", "changed": true, "partner": "contoso", "provider": null, "customers": []}	2026-12-02 07:58:23.794122+00	2026-12-03 07:58:23.794122+00
escalation	2fefc332-6322-5c30-a3d4-64ad351ee0bd	POST	/incidents/20dd4880-f1ff-4553-93aa-dfa0bb3a85e7/assign	cdf42a6b8a0286070977d3e7ae93fd7401d6a923d725b9bf4ae3f64378b21165	200	{"ETag": "\\"2\\""}	{"id": "20dd4880-f1ff-4553-93aa-dfa0bb3a85e7", "notes": [], "title": "Core router down", "rating": null, "status": "new", "impacts": [], "partner": "northwind", "product": "routers", "version": 2, "customer": "initech", "provider": "acme", "severity": "S1", "closed_at": null, "opened_at": "2026-12-02T07:58:38.833545+00:00", "requester": "northwind", "assignment": {"tier": "L2", "party": "northwind", "assignee": null}, "notes_next": null, "resolution": null, "updated_at": "2026-12-02T07:58:39.142622+00:00", "description": "Site-to-site tunnel to Leeds dropped at 09:12.", "escalations": [], "hold_reason": null, "resolved_at": null, "collaborators": [], "external_refs": [], "acknowledged_by": {}, "impacted_service": "branch-vpn"}	2026-12-02 07:58:39.153875+00	2026-12-03 07:58:39.153875+00
escalation	585c9158-0321-5c13-8458-d448b1fff577	POST	/incidents/e83e2e4f-d735-44e4-a1c0-285572c6af05/assign	5564d261e0ece545f26bff85160fc1947f61115b2c4b098ccc86146474cc5220	200	{"ETag": "\\"2\\""}	{"id": "e83e2e4f-d735-44e4-a1c0-285572c6af05", "notes": [], "title": "VPN tunnel flapping", "rating": null, "status": "new", "impacts": [], "partner": "northwind", "product": "routers", "version": 2, "customer": "initech", "provider": "acme", "severity": "S2", "closed_at": null, "opened_at": "2026-12-02T07:58:38.861338+00:00", "requester": "northwind", "assignment": {"tier": "L1", "party": "northwind", "assignee": null}, "notes_next": null, "resolution": null, "updated_at": "2026-12-02T07:58:39.213924+00:00", "description": "Site-to-site tunnel to Leeds dropped at 09:12.", "escalations": [], "hold_reason": null, "resolved_at": null, "collaborators": [], "external_refs": [], "acknowledged_by": {}, "impacted_service": "branch-vpn"}	2026-12-02 07:58:39.216365+00	2026-12-03 07:58:39.216365+00
escalation	bc1ea7cd-af86-5f09-b28f-ea0f5f7fb8e6	POST	/incidents/4d1d5197-d460-416c-b801-4540f4b5c79f/escalate	10146e87780ae1cc267575573295cd202d806762a23f95bb95c4621acb9eb228	200	{"ETag": "\\"2\\""}	{"id": "4d1d5197-d460-416c-b801-4540f4b5c79f", "notes": [], "title": "Slow VPN", "rating": null, "status": "new", "impacts": [], "partner": "contoso", "product": "routers", "version": 2, "customer": "umbrella", "provider": "acme", "severity": "S3", "closed_at": null, "opened_at": "2026-12-02T07:58:38.849549+00:00", "requester": "contoso", "assignment": {"tier": "TAC L1", "party": "acme", "assignee": null}, "notes_next": null, "resolution": null, "updated_at": "2026-12-02T07:58:39.215640+00:00", "description": "Site-to-site tunnel to Leeds dropped at 09:12.", "escalations": [{"at": "2026-12-02T07:58:39.215640+00:00", "reason": "S3 for routers: contoso is not certified for routers (rule uncertified of acme, v1)", "to_tier": "TAC L1", "to_party": "acme"}], "hold_reason": null, "resolved_at": null, "collaborators": [], "external_refs": [], "acknowledged_by": {}, "impacted_service": "branch-vpn"}	2026-12-02 07:58:39.217549+00	2026-12-03 07:58:39.217549+00
\.


--
-- Data for Name: incident_external_refs; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.incident_external_refs (owner, type, ref, incident_id) FROM stdin;
\.


--
-- Data for Name: incident_notes; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.incident_notes (incident_id, note_id, version, author_party, author_user, visibility, body, created_at, edited_at, deleted, parties, metadata) FROM stdin;
20dd4880-f1ff-4553-93aa-dfa0bb3a85e7	95fab0f4-fb0a-4be5-8f1a-f361065b44cf	4	northwind	northwind-user	shared	shared note	2026-12-02 07:58:39.3431+00	\N	f	{initech,northwind,acme}	{"fact": ["note_id", "author_party", "note_visibility"], "sealed": true, "parties": ["acme", "initech", "northwind"], "provider": "acme", "visibility": "shared", "actor_party": "northwind"}
20dd4880-f1ff-4553-93aa-dfa0bb3a85e7	eb426278-6857-4bd1-a3f3-abe7b04c86b5	5	northwind	northwind-user	restricted	restricted note	2026-12-02 07:58:39.366391+00	\N	f	{initech,northwind,acme}	{"fact": ["note_id", "author_party", "note_visibility"], "sealed": true, "parties": ["acme", "initech", "northwind"], "provider": "acme", "visibility": "restricted", "actor_party": "northwind"}
20dd4880-f1ff-4553-93aa-dfa0bb3a85e7	98cbf8f5-ab31-4164-b20f-a874ee6646d3	6	northwind	northwind-user	internal	internal note	2026-12-02 07:58:39.394861+00	\N	f	{initech,northwind,acme}	{"fact": ["note_id", "author_party", "note_visibility"], "sealed": true, "parties": ["acme", "initech", "northwind"], "provider": "acme", "visibility": "internal", "actor_party": "northwind"}
4d1d5197-d460-416c-b801-4540f4b5c79f	23b23b58-9cf2-48c6-8a27-75f288d7c90a	4	contoso	contoso-user	shared	shared note	2026-12-02 07:58:39.439172+00	\N	f	{umbrella,contoso,acme}	{"fact": ["note_id", "author_party", "note_visibility"], "sealed": true, "parties": ["acme", "contoso", "umbrella"], "provider": "acme", "visibility": "shared", "actor_party": "contoso"}
4d1d5197-d460-416c-b801-4540f4b5c79f	e4cea28b-5848-449b-8faa-4cc52412116a	5	contoso	contoso-user	restricted	restricted note	2026-12-02 07:58:39.459705+00	\N	f	{umbrella,contoso,acme}	{"fact": ["note_id", "author_party", "note_visibility"], "sealed": true, "parties": ["acme", "contoso", "umbrella"], "provider": "acme", "visibility": "restricted", "actor_party": "contoso"}
4d1d5197-d460-416c-b801-4540f4b5c79f	91dd3090-0f73-472b-ad68-e583edd8b5cc	6	contoso	contoso-user	internal	internal note	2026-12-02 07:58:39.46875+00	\N	f	{umbrella,contoso,acme}	{"fact": ["note_id", "author_party", "note_visibility"], "sealed": true, "parties": ["acme", "contoso", "umbrella"], "provider": "acme", "visibility": "internal", "actor_party": "contoso"}
e83e2e4f-d735-44e4-a1c0-285572c6af05	fe46d02b-f071-4fd5-9242-9e10a45792ca	4	northwind	northwind-user	shared	shared note	2026-12-02 07:58:39.483989+00	\N	f	{initech,northwind,acme}	{"fact": ["note_id", "author_party", "note_visibility"], "sealed": true, "parties": ["acme", "initech", "northwind"], "provider": "acme", "visibility": "shared", "actor_party": "northwind"}
e83e2e4f-d735-44e4-a1c0-285572c6af05	a9576707-8e69-479d-8656-38ca50e903df	5	northwind	northwind-user	restricted	restricted note	2026-12-02 07:58:39.491634+00	\N	f	{initech,northwind,acme}	{"fact": ["note_id", "author_party", "note_visibility"], "sealed": true, "parties": ["acme", "initech", "northwind"], "provider": "acme", "visibility": "restricted", "actor_party": "northwind"}
e83e2e4f-d735-44e4-a1c0-285572c6af05	558a259d-cef4-44ea-9942-c21970c39fd4	6	northwind	northwind-user	internal	internal note	2026-12-02 07:58:39.499085+00	\N	f	{initech,northwind,acme}	{"fact": ["note_id", "author_party", "note_visibility"], "sealed": true, "parties": ["acme", "initech", "northwind"], "provider": "acme", "visibility": "internal", "actor_party": "northwind"}
20dd4880-f1ff-4553-93aa-dfa0bb3a85e7	5df556cc-0391-4a34-a6e2-628b2d9f110c	8	acme	acme-user	restricted	acme: known defect	2026-12-02 07:58:39.514489+00	\N	f	{initech,northwind,acme}	{"fact": ["note_id", "author_party", "note_visibility"], "sealed": true, "parties": ["acme", "initech", "northwind"], "provider": "acme", "visibility": "restricted", "actor_party": "acme"}
20dd4880-f1ff-4553-93aa-dfa0bb3a85e7	b78a1d71-f0f5-4436-96aa-f6165efc4547	9	initech	initech-user	shared	any news?	2026-12-02 07:58:39.522459+00	\N	f	{initech,northwind,acme}	{"fact": ["note_id", "author_party", "note_visibility"], "sealed": true, "parties": ["acme", "initech", "northwind"], "provider": "acme", "visibility": "shared", "actor_party": "initech"}
20dd4880-f1ff-4553-93aa-dfa0bb3a85e7	9d0f33f5-8549-43b8-9a4c-23a1d45f99dd	11	contoso	contoso-user	restricted	contoso: seen it	2026-12-02 07:58:39.537999+00	\N	f	{initech,northwind,acme,contoso}	{"fact": ["note_id", "author_party", "note_visibility"], "sealed": true, "parties": ["acme", "contoso", "initech", "northwind"], "provider": "acme", "visibility": "restricted", "actor_party": "contoso"}
4d1d5197-d460-416c-b801-4540f4b5c79f	0403108d-ac81-458a-9a28-056317c1d322	8	umbrella	umbrella-user	shared	logs attached	2026-12-02 07:58:39.585317+00	\N	f	{umbrella,contoso,acme}	{"fact": ["note_id", "author_party", "note_visibility"], "sealed": true, "parties": ["acme", "contoso", "umbrella"], "provider": "acme", "visibility": "shared", "actor_party": "umbrella"}
\.


--
-- Data for Name: incident_snapshots; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.incident_snapshots (incident_id, version, schema, state) FROM stdin;
\.


--
-- Data for Name: incidents; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.incidents (seq, id, version, title, status, severity, product, customer, partner, provider, collaborators, opened_at, updated_at, resolved_at) FROM stdin;
1	20dd4880-f1ff-4553-93aa-dfa0bb3a85e7	13	Core router down	closed	S1	routers	initech	northwind	acme	{contoso}	2026-12-02 07:58:38.833545+00	2026-12-02 07:58:43.370358+00	2026-12-02 07:58:43.279106+00
2	4d1d5197-d460-416c-b801-4540f4b5c79f	11	Slow VPN	closed	S3	routers	umbrella	contoso	acme	{}	2026-12-02 07:58:38.849549+00	2026-12-02 07:58:43.387647+00	2026-12-02 07:58:43.302686+00
3	e83e2e4f-d735-44e4-a1c0-285572c6af05	10	VPN tunnel flapping	closed	S2	routers	initech	northwind	acme	{}	2026-12-02 07:58:38.861338+00	2026-12-02 07:58:43.403471+00	2026-12-02 07:58:43.33803+00
\.


--
-- Data for Name: parties; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.parties (id, kind, name, provider, partner, customers, created_at) FROM stdin;
acme	provider	Acme Networks	\N	\N	{}	2026-12-02 07:58:23.761415+00
northwind	partner	Northwind Traders	acme	\N	{initech}	2026-12-02 07:58:23.772069+00
contoso	partner	Contoso	acme	\N	{umbrella}	2026-12-02 07:58:23.779345+00
initech	customer	Initech	\N	northwind	{}	2026-12-02 07:58:23.787449+00
umbrella	customer	Umbrella Corporation	\N	contoso	{}	2026-12-02 07:58:23.792522+00
\.


--
-- Data for Name: stream_positions; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.stream_positions (consumer, stream_id, version) FROM stdin;
\.


--
-- Name: dead_letters_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.dead_letters_id_seq', 1, false);


--
-- Name: events_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.events_id_seq', 34, true);


--
-- Name: incidents_seq_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.incidents_seq_seq', 34, true);


--
-- Name: alembic_version alembic_version_pkc; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.alembic_version
    ADD CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num);


--
-- Name: dead_letters dead_letters_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.dead_letters
    ADD CONSTRAINT dead_letters_pkey PRIMARY KEY (id);


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
-- Name: incident_external_refs incident_external_refs_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.incident_external_refs
    ADD CONSTRAINT incident_external_refs_pkey PRIMARY KEY (owner, type, ref);


--
-- Name: incident_notes incident_notes_incident_id_version_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.incident_notes
    ADD CONSTRAINT incident_notes_incident_id_version_key UNIQUE (incident_id, version);


--
-- Name: incident_notes incident_notes_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.incident_notes
    ADD CONSTRAINT incident_notes_pkey PRIMARY KEY (incident_id, note_id);


--
-- Name: incident_snapshots incident_snapshots_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.incident_snapshots
    ADD CONSTRAINT incident_snapshots_pkey PRIMARY KEY (incident_id);


--
-- Name: incidents incidents_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.incidents
    ADD CONSTRAINT incidents_pkey PRIMARY KEY (id);


--
-- Name: incidents incidents_seq_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.incidents
    ADD CONSTRAINT incidents_seq_key UNIQUE (seq);


--
-- Name: parties parties_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.parties
    ADD CONSTRAINT parties_pkey PRIMARY KEY (id);


--
-- Name: stream_positions stream_positions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.stream_positions
    ADD CONSTRAINT stream_positions_pkey PRIMARY KEY (consumer, stream_id);


--
-- Name: events_unpublished; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX events_unpublished ON public.events USING btree (tx_id, id) WHERE ("position" IS NULL);


--
-- Name: idempotency_keys_expiry; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idempotency_keys_expiry ON public.idempotency_keys USING btree (expires_at);


--
-- Name: incident_external_refs_incident; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX incident_external_refs_incident ON public.incident_external_refs USING btree (incident_id);


--
-- Name: incidents_collaborators; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX incidents_collaborators ON public.incidents USING gin (collaborators);


--
-- Name: incidents_customer; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX incidents_customer ON public.incidents USING btree (customer, seq);


--
-- Name: incidents_partner; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX incidents_partner ON public.incidents USING btree (partner, seq);


--
-- Name: incidents_resolved; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX incidents_resolved ON public.incidents USING btree (resolved_at) WHERE (status = 'resolved'::text);


--
-- Name: incident_external_refs incident_external_refs_incident_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.incident_external_refs
    ADD CONSTRAINT incident_external_refs_incident_id_fkey FOREIGN KEY (incident_id) REFERENCES public.incidents(id);


--
-- PostgreSQL database dump complete
--

\unrestrict 5mb7EFnKhoOxoLE6lYxTSZ7padONW3Ts6vNhynVqQaixEDzbRKUZQ4HgI0VmuJg

