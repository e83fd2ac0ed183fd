--
-- PostgreSQL database dump
--

\restrict V4Yv0kZixMS09wVEykvyR74kjXYeTAukxd1dMqbwmGK7PTvgbqLfEHc6OUIS4aA

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

--
-- Name: pg_trgm; Type: EXTENSION; Schema: -; Owner: -
--

CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;


--
-- Name: EXTENSION pg_trgm; Type: COMMENT; Schema: -; Owner: -
--

COMMENT ON EXTENSION pg_trgm IS 'text similarity measurement and index searching based on trigrams';


SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: alembic_version; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.alembic_version (
    version_num character varying(32) NOT NULL
);


--
-- Name: article_versions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.article_versions (
    article_id uuid NOT NULL,
    version integer NOT NULL,
    content jsonb NOT NULL,
    recorded_at timestamp with time zone NOT NULL,
    recorded_by text NOT NULL
);


--
-- Name: articles; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.articles (
    article_id uuid NOT NULL,
    author_party text NOT NULL,
    provider text NOT NULL,
    status text NOT NULL,
    stream_version integer NOT NULL,
    version integer NOT NULL,
    content jsonb NOT NULL,
    published_version integer,
    published jsonb,
    audience text,
    origin_incident text,
    review_note text,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    CONSTRAINT articles_status_check CHECK ((status = ANY (ARRAY['draft'::text, 'in_review'::text, 'published'::text, 'retired'::text])))
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
-- Name: feedback; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.feedback (
    article_id uuid NOT NULL,
    party text NOT NULL,
    helpful boolean NOT NULL,
    incident_id text,
    given_at timestamp with time zone NOT NULL
);


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
-- Name: incidents; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.incidents (
    incident_id text NOT NULL,
    parties text[] NOT NULL,
    customer text,
    partner text,
    provider text,
    title text,
    description text,
    product text,
    status text
);


--
-- Name: links; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.links (
    incident_id text NOT NULL,
    article_id uuid NOT NULL,
    party text NOT NULL,
    linked_at timestamp with time zone NOT NULL
);


--
-- Name: search_docs; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.search_docs (
    article_id uuid NOT NULL,
    provider text NOT NULL,
    audience text NOT NULL,
    title text NOT NULL,
    body text NOT NULL,
    symptoms text NOT NULL,
    steps text NOT NULL,
    tags_text text NOT NULL,
    products text[] NOT NULL,
    tags text[] NOT NULL,
    version integer NOT NULL,
    published_at timestamp with time zone NOT NULL,
    tsv tsvector GENERATED ALWAYS AS (((setweight(to_tsvector('english'::regconfig, title), 'A'::"char") || setweight(to_tsvector('english'::regconfig, ((symptoms || ' '::text) || tags_text)), 'B'::"char")) || setweight(to_tsvector('english'::regconfig, ((body || ' '::text) || steps)), 'C'::"char"))) STORED,
    about tsvector GENERATED ALWAYS AS (to_tsvector('english'::regconfig, ((((title || ' '::text) || symptoms) || ' '::text) || tags_text))) STORED,
    CONSTRAINT search_docs_audience_check CHECK ((audience = ANY (ARRAY['provider'::text, 'partners'::text, 'public'::text])))
);


--
-- Name: shared_notes; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.shared_notes (
    incident_id text NOT NULL,
    note_id text NOT NULL,
    seq bigint NOT NULL,
    body text NOT NULL
);


--
-- Name: shared_notes_seq_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.shared_notes_seq_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: shared_notes_seq_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.shared_notes_seq_seq OWNED BY public.shared_notes.seq;


--
-- Name: solves; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.solves (
    incident_id text NOT NULL,
    article_id uuid NOT NULL,
    solved_at timestamp with time zone NOT NULL
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
-- Name: suggestions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.suggestions (
    incident_id text NOT NULL,
    article_id uuid NOT NULL,
    audience text NOT NULL,
    rank integer NOT NULL,
    score double precision NOT NULL
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
-- Name: shared_notes seq; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.shared_notes ALTER COLUMN seq SET DEFAULT nextval('public.shared_notes_seq_seq'::regclass);


--
-- Data for Name: alembic_version; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.alembic_version (version_num) FROM stdin;
0001
\.


--
-- Data for Name: article_versions; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.article_versions (article_id, version, content, recorded_at, recorded_by) FROM stdin;
3f833918-6e21-4ef8-b81e-e7c4b6d024b4	1	{"body": "Since router firmware 17.3.1 the default IKE phase 1 lifetime is 3600 s. A peer still on 16.x uses 86400 s, so the peers rekey out of step and the tunnel flaps until both agree.", "tags": ["vpn", "ipsec", "firmware"], "title": "IPsec tunnel flaps every few minutes after a firmware upgrade", "audience": "public", "products": ["routers"], "symptoms": ["Site-to-site VPN tunnel drops and comes back every few minutes", "IKE SA rekey failures in the log"], "resolution_steps": ["Set the IKE lifetime to 28800 s on both peers", "Clear the security associations", "Watch one rekey"]}	2026-12-02 07:58:38.283047+00	acme/acme-user
0f1f843a-85a1-4cb2-9c4d-3ca86c96e531	1	{"body": "Packets close to 1500 bytes do not fit once the IPsec overhead is added. Without TCP MSS clamping they are fragmented or dropped when the path blocks ICMP fragmentation-needed messages.", "tags": ["vpn", "mtu", "performance"], "title": "Slow file transfers and stalled web pages over the branch VPN", "audience": "public", "products": ["routers"], "symptoms": ["Small pings work but large transfers stall over the VPN", "SMB copies hang at a few percent"], "resolution_steps": ["Clamp the TCP MSS to 1360 on the tunnel interface", "Set the tunnel MTU to 1400", "Retest with a large ping"]}	2026-12-02 07:58:38.336889+00	acme/acme-user
30b2d9a9-8745-4e58-bb98-8dfed12d29bd	1	{"body": "Keepalives are lost when the uplink is saturated or the control plane is policed too hard. The session then resets after the hold time and routes are withdrawn.", "tags": ["bgp", "routing"], "title": "BGP neighbor flaps with hold timer expired", "audience": "public", "products": ["routers"], "symptoms": ["BGP session to the ISP resets every few minutes", "Log shows hold timer expired"], "resolution_steps": ["Check interface drops on the uplink", "Prioritise BGP in the control plane policy", "Lower keepalive to 10 s and hold to 30 s on both sides"]}	2026-12-02 07:58:38.357986+00	acme/acme-user
931989ab-f7ee-43f8-9fc8-de0df66b9f98	1	{"body": "Firmware 17.3.0 enables deep flow telemetry by default. On small branch routers the export process consumes all CPU when many flows are active.", "tags": ["cpu", "firmware", "performance"], "title": "Router CPU at 100 percent after upgrading to 17.3", "audience": "public", "products": ["routers"], "symptoms": ["CPU pinned at 100 percent", "SSH to the router is very slow", "Routing protocol timeouts"], "resolution_steps": ["Disable flow telemetry export or raise the sampling rate", "Upgrade to 17.3.2", "Reload the router"]}	2026-12-02 07:58:38.379459+00	acme/acme-user
a681c671-d8ed-4c8e-a4e6-c126d46665b4	1	{"body": "Engineering confirmed a leak in the IKE daemon when dead peer detection fires during a rekey. Fix scheduled for 17.3.2. Do not share the internal defect id with customers.", "tags": ["defect", "memory", "vpn", "internal"], "title": "Known defect: IKE daemon memory leak in 17.3.1 (engineering workaround)", "audience": "provider", "products": ["routers"], "symptoms": ["Router free memory shrinks day by day", "IKE daemon restarts and all tunnels drop"], "resolution_steps": ["Schedule a nightly restart of the IKE daemon", "Disable DPD on idle tunnels until 17.3.2"]}	2026-12-02 07:58:38.39917+00	acme/acme-user
17b43370-4a0d-4751-91b6-3dbcc3063ac8	1	{"body": "Heartbeats between the cluster members travel over a single link. When that link flaps both nodes believe the peer is dead and the cluster fails over again and again.", "tags": ["high-availability", "cluster"], "title": "Firewall high availability pair keeps failing over", "audience": "public", "products": ["firewalls"], "symptoms": ["Active and standby firewall swap roles every few minutes", "Sessions drop on each failover"], "resolution_steps": ["Use two dedicated heartbeat links", "Raise the heartbeat threshold to 3 missed beats", "Enable preemption delay of 60 s"]}	2026-12-02 07:58:38.415618+00	acme/acme-user
7d9f0475-e1dd-4e56-9316-ccf99ec122cf	1	{"body": "All users share one public address for source NAT. With about 64,000 ports per address and long idle timeouts the pool runs out at peak time.", "tags": ["nat", "performance"], "title": "Outbound connections fail intermittently: NAT port exhaustion", "audience": "public", "products": ["firewalls"], "symptoms": ["Some outbound connections time out during busy hours", "NAT pool usage at 100 percent"], "resolution_steps": ["Add addresses to the NAT pool", "Lower the UDP idle timeout to 30 s", "Check for a scanning host"]}	2026-12-02 07:58:38.431406+00	acme/acme-user
2512d494-ae71-4f70-bad1-2b93e144d822	1	{"body": "Rules are evaluated top down and the first match wins. A broader deny above the new rule shadows it. The policy analyser lists shadowed rules.", "tags": ["policy", "rules"], "title": "New firewall rule has no effect: shadowed by an earlier rule", "audience": "partners", "products": ["firewalls"], "symptoms": ["Traffic is still blocked after adding an allow rule", "Rule hit counter stays at zero"], "resolution_steps": ["Run the policy analyser", "Move the new rule above the broader deny", "Check the hit counter"]}	2026-12-02 07:58:38.446377+00	acme/acme-user
ae8e967f-c366-4fa7-a91d-c75ce25e6a9a	1	{"body": "With TLS inspection the firewall re-signs server certificates with its own CA. Clients that do not trust that CA warn; pinned applications fail entirely.", "tags": ["tls", "certificates"], "title": "Browsers show certificate warnings after enabling SSL inspection", "audience": "public", "products": ["firewalls"], "symptoms": ["Every HTTPS site shows an untrusted certificate warning", "Some apps refuse to connect"], "resolution_steps": ["Deploy the firewall CA to clients by group policy", "Exempt pinned applications from inspection"]}	2026-12-02 07:58:38.461729+00	acme/acme-user
93fd5f4b-96fc-46ae-bb44-aa76d2e674de	1	{"body": "Threat prevention needs a valid subscription; after expiry the firewall keeps old signatures and blocks nothing new.", "tags": ["license", "threat-prevention"], "title": "Threat prevention signatures stopped updating", "audience": "public", "products": ["firewalls"], "symptoms": ["Signature version is weeks old", "Dashboard warns the subscription expired"], "resolution_steps": ["Renew the subscription", "Refresh the license from the portal", "Force a signature update"]}	2026-12-02 07:58:38.474611+00	acme/acme-user
c81c7b9d-3a60-499a-8ef1-3fd383757d93	1	{"body": "A cable plugged between two access ports created a loop on a switch where spanning tree was disabled. Broadcasts circulate forever and saturate every link.", "tags": ["stp", "loop", "network"], "title": "Network outage from a switching loop: spanning tree", "audience": "public", "products": ["switches"], "symptoms": ["Whole office network down", "Switch port LEDs blink in unison", "Broadcast storm"], "resolution_steps": ["Unplug the looped cable", "Enable rapid spanning tree on all switches", "Enable BPDU guard on edge ports"]}	2026-12-02 07:58:38.488344+00	acme/acme-user
63046d63-ec73-4cf7-ab40-cbdc45253cbe	1	{"body": "When the stack cable is faulty the members cannot elect a single master after a reboot and the stack splits into two.", "tags": ["stack", "high-availability"], "title": "Switch stack splits after the master reboots", "audience": "public", "products": ["switches"], "symptoms": ["Half of the access ports go down", "Two switches both claim to be stack master"], "resolution_steps": ["Replace the stack cable", "Set master priority on the intended master", "Reload the standby member"]}	2026-12-02 07:58:38.50596+00	acme/acme-user
ecfbcdfd-0f9c-4cf5-9302-a822893ac4bc	1	{"body": "The switch power supply cannot feed every powered device at its class maximum; ports beyond the budget are denied power.", "tags": ["poe", "power"], "title": "Access points and phones lose power: PoE budget exceeded", "audience": "public", "products": ["switches"], "symptoms": ["New access points do not power up", "IP phones reboot randomly"], "resolution_steps": ["Check the PoE budget on the switch", "Set port priorities for critical devices", "Add a second power supply"]}	2026-12-02 07:58:38.519064+00	acme/acme-user
4f8ec9b5-9385-4812-8c54-bde085514187	1	{"body": "Without fast roaming (802.11r) clients do a full reauthentication at each access point, which takes too long for voice.", "tags": ["wireless", "roaming"], "title": "Wi-Fi calls drop when walking between access points", "audience": "public", "products": ["wifi"], "symptoms": ["Voice calls drop when moving around the office", "Laptops stick to a far access point"], "resolution_steps": ["Enable 802.11r fast transition", "Lower the minimum basic rate", "Tune transmit power"]}	2026-12-02 07:58:38.533391+00	acme/acme-user
7469e69a-71d1-4c09-b7b4-2eb4f1e461a0	1	{"body": "The identity provider and the appliance disagree about the time. A SAML assertion issued a few seconds in the future is rejected.", "tags": ["saml", "authentication", "login"], "title": "SSO login fails with SAML assertion not yet valid", "audience": "public", "products": ["sso"], "symptoms": ["Users cannot log in through single sign-on", "Error: assertion is not yet valid"], "resolution_steps": ["Point both at the same NTP servers", "Allow 120 s clock skew", "Retry the login"]}	2026-12-02 07:58:38.546316+00	acme/acme-user
24f7dd8f-a71d-4061-a8c6-59b420920367	1	{"body": "The identity provider rolled over its SAML signing certificate and the appliance still trusts only the old one.", "tags": ["saml", "certificates", "login"], "title": "Single sign-on stops working after the identity provider rotated its signing certificate", "audience": "public", "products": ["sso"], "symptoms": ["All SSO logins fail on the same morning", "Signature validation failed in the log"], "resolution_steps": ["Import the new IdP metadata", "Enable automatic metadata refresh"]}	2026-12-02 07:58:38.560061+00	acme/acme-user
984f3a35-0326-466e-ba4f-92bfaccb81ef	1	{"body": "The administrator's authenticator was reset. Local break-glass accounts are exempt from MFA for exactly this case.", "tags": ["mfa", "authentication"], "title": "Administrator locked out after losing the MFA token", "audience": "public", "products": ["sso"], "symptoms": ["Admin cannot log in to the management console", "MFA code rejected"], "resolution_steps": ["Log in with the break-glass account", "Reset the admin's MFA enrolment", "Rotate the break-glass password"]}	2026-12-02 07:58:38.572824+00	acme/acme-user
0e8805da-dbcc-430d-a3b2-0b7d1d3dc24d	1	{"body": "The backup account's password was rotated on the devices but not in the backup job, or SCP is disabled after hardening.", "tags": ["backup", "configuration"], "title": "Nightly configuration backup job fails with authentication error", "audience": "public", "products": ["routers", "firewalls"], "symptoms": ["Backup job report shows failed devices", "Authentication failed over SCP"], "resolution_steps": ["Update the backup credentials", "Enable SCP for the backup account", "Run the job by hand"]}	2026-12-02 07:58:38.585822+00	acme/acme-user
39af885f-4f11-4c99-9cd8-6df161e16483	1	{"body": "Configuration archives keep the last 30 versions on the device and the backup server. A rollback replaces the running configuration atomically.", "tags": ["backup", "rollback"], "title": "Restoring a device configuration from backup", "audience": "public", "products": ["routers", "firewalls"], "symptoms": ["A bad change took a site down", "Need to roll back to last night's configuration"], "resolution_steps": ["List the archived versions", "Roll back to the chosen version", "Save and verify"]}	2026-12-02 07:58:38.598223+00	acme/acme-user
8069a896-c05f-4370-a5c4-d379b51ed0ab	1	{"body": "The router forwards DNS to a resolver over the VPN that is overloaded; the first resolver times out before the second is tried.", "tags": ["dns", "performance"], "title": "Web browsing slow at the branch: DNS lookups time out", "audience": "public", "products": ["routers"], "symptoms": ["Pages take seconds to start loading", "nslookup times out on the first try"], "resolution_steps": ["Use a local resolver", "Enable DNS caching on the router", "Lower the resolver timeout"]}	2026-12-02 07:58:38.624269+00	acme/acme-user
b7911546-6410-46cd-9cff-a68abe509103	1	{"body": "Northwind's checklist for installing a branch in one visit: pre-staged configuration, VPN test from the depot, VLAN and PoE check on site, and a handover test call.", "tags": ["rollout", "best-practice"], "title": "Branch rollout checklist: router, switch and VPN in one visit", "audience": "partners", "products": ["routers", "switches"], "symptoms": ["Repeat site visits after a branch go-live", "Tunnels and VLANs missing after installation"], "resolution_steps": ["Pre-stage the router configuration", "Test the VPN from the depot", "Check VLANs and PoE on site"]}	2026-12-02 07:58:38.637926+00	northwind/northwind-user
c757f978-aa36-433c-9897-a417098581b8	1	{"body": "Upgrade the standby first, fail over, then upgrade the former active. Check session synchronisation before each failover.", "tags": ["firmware", "upgrade", "best-practice"], "title": "Upgrading a firewall cluster without downtime", "audience": "partners", "products": ["firewalls"], "symptoms": ["Customers need firmware upgrades without an outage"], "resolution_steps": ["Upgrade the standby member", "Fail over and verify sessions", "Upgrade the other member"]}	2026-12-02 07:58:38.656331+00	northwind/northwind-user
d4a70829-c766-5de5-97c7-e6d7cdf8782b	1	{"body": "## Problem\\n\\nSite-to-site tunnel to Leeds dropped at 09:12.\\n\\n## Resolution (config-fix)\\n\\ndone\\n\\n## From the incident\\n\\n- shared note\\n- any news?", "tags": ["config-fix"], "title": "Core router down", "audience": "partners", "products": ["routers"], "symptoms": ["Site-to-site tunnel to Leeds dropped at 09:12."], "resolution_steps": ["done"]}	2026-12-02 07:58:43.401574+00	acme/knowledge
0b2d454c-69b8-5f78-9f88-31a1451172b4	1	{"body": "## Problem\\n\\nSite-to-site tunnel to Leeds dropped at 09:12.\\n\\n## Resolution (config-fix)\\n\\ndone\\n\\n## From the incident\\n\\n- shared note", "tags": ["config-fix"], "title": "VPN tunnel flapping", "audience": "partners", "products": ["routers"], "symptoms": ["Site-to-site tunnel to Leeds dropped at 09:12."], "resolution_steps": ["done"]}	2026-12-02 07:58:43.424995+00	northwind/knowledge
462b1e6e-cefb-4e40-8894-40bbb51997f7	1	{"body": "The branch router's DHCP pool is too small for the number of devices and the lease time is a week.", "tags": ["dhcp", "addressing"], "title": "New devices get no IP address: DHCP scope exhausted", "audience": "public", "products": ["routers"], "symptoms": ["Laptops show a self-assigned 169.254 address", "DHCP pool utilisation at 100 percent"], "resolution_steps": ["Enlarge the pool", "Shorten the lease time to 8 hours", "Clear stale bindings"]}	2026-12-02 07:58:38.61179+00	acme/acme-user
3b6a4161-7976-41c4-ac02-04d76fce3719	1	{"body": "The tracked object that watches the primary link pings the local gateway, which stays up when the fibre fails further upstream.", "tags": ["lte", "wan", "failover"], "title": "LTE backup link does not take over when the fibre fails", "audience": "public", "products": ["routers"], "symptoms": ["Branch offline although the LTE modem has signal", "Default route still points at the fibre"], "resolution_steps": ["Track an address beyond the ISP", "Check the floating static route's distance", "Test by unplugging"]}	2026-12-02 07:58:38.678038+00	acme/acme-user
00413949-f258-5e8a-933e-d24e986f86cd	1	{"body": "## Problem\\n\\nSite-to-site tunnel to Leeds dropped at 09:12.\\n\\n## Resolution (config-fix)\\n\\ndone\\n\\n## From the incident\\n\\n- shared note\\n- logs attached", "tags": ["config-fix"], "title": "Slow VPN", "audience": "partners", "products": ["routers"], "symptoms": ["Site-to-site tunnel to Leeds dropped at 09:12."], "resolution_steps": ["done"]}	2026-12-02 07:58:43.416358+00	contoso/knowledge
\.


--
-- Data for Name: articles; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.articles (article_id, author_party, provider, status, stream_version, version, content, published_version, published, audience, origin_incident, review_note, created_at, updated_at) FROM stdin;
3f833918-6e21-4ef8-b81e-e7c4b6d024b4	acme	acme	published	2	1	{"body": "Since router firmware 17.3.1 the default IKE phase 1 lifetime is 3600 s. A peer still on 16.x uses 86400 s, so the peers rekey out of step and the tunnel flaps until both agree.", "tags": ["vpn", "ipsec", "firmware"], "title": "IPsec tunnel flaps every few minutes after a firmware upgrade", "audience": "public", "products": ["routers"], "symptoms": ["Site-to-site VPN tunnel drops and comes back every few minutes", "IKE SA rekey failures in the log"], "resolution_steps": ["Set the IKE lifetime to 28800 s on both peers", "Clear the security associations", "Watch one rekey"]}	1	{"body": "Since router firmware 17.3.1 the default IKE phase 1 lifetime is 3600 s. A peer still on 16.x uses 86400 s, so the peers rekey out of step and the tunnel flaps until both agree.", "tags": ["vpn", "ipsec", "firmware"], "title": "IPsec tunnel flaps every few minutes after a firmware upgrade", "audience": "public", "products": ["routers"], "symptoms": ["Site-to-site VPN tunnel drops and comes back every few minutes", "IKE SA rekey failures in the log"], "resolution_steps": ["Set the IKE lifetime to 28800 s on both peers", "Clear the security associations", "Watch one rekey"]}	public	\N	\N	2026-12-02 07:58:38.283047+00	2026-12-02 07:58:38.316199+00
0f1f843a-85a1-4cb2-9c4d-3ca86c96e531	acme	acme	published	2	1	{"body": "Packets close to 1500 bytes do not fit once the IPsec overhead is added. Without TCP MSS clamping they are fragmented or dropped when the path blocks ICMP fragmentation-needed messages.", "tags": ["vpn", "mtu", "performance"], "title": "Slow file transfers and stalled web pages over the branch VPN", "audience": "public", "products": ["routers"], "symptoms": ["Small pings work but large transfers stall over the VPN", "SMB copies hang at a few percent"], "resolution_steps": ["Clamp the TCP MSS to 1360 on the tunnel interface", "Set the tunnel MTU to 1400", "Retest with a large ping"]}	1	{"body": "Packets close to 1500 bytes do not fit once the IPsec overhead is added. Without TCP MSS clamping they are fragmented or dropped when the path blocks ICMP fragmentation-needed messages.", "tags": ["vpn", "mtu", "performance"], "title": "Slow file transfers and stalled web pages over the branch VPN", "audience": "public", "products": ["routers"], "symptoms": ["Small pings work but large transfers stall over the VPN", "SMB copies hang at a few percent"], "resolution_steps": ["Clamp the TCP MSS to 1360 on the tunnel interface", "Set the tunnel MTU to 1400", "Retest with a large ping"]}	public	\N	\N	2026-12-02 07:58:38.336889+00	2026-12-02 07:58:38.345273+00
30b2d9a9-8745-4e58-bb98-8dfed12d29bd	acme	acme	published	2	1	{"body": "Keepalives are lost when the uplink is saturated or the control plane is policed too hard. The session then resets after the hold time and routes are withdrawn.", "tags": ["bgp", "routing"], "title": "BGP neighbor flaps with hold timer expired", "audience": "public", "products": ["routers"], "symptoms": ["BGP session to the ISP resets every few minutes", "Log shows hold timer expired"], "resolution_steps": ["Check interface drops on the uplink", "Prioritise BGP in the control plane policy", "Lower keepalive to 10 s and hold to 30 s on both sides"]}	1	{"body": "Keepalives are lost when the uplink is saturated or the control plane is policed too hard. The session then resets after the hold time and routes are withdrawn.", "tags": ["bgp", "routing"], "title": "BGP neighbor flaps with hold timer expired", "audience": "public", "products": ["routers"], "symptoms": ["BGP session to the ISP resets every few minutes", "Log shows hold timer expired"], "resolution_steps": ["Check interface drops on the uplink", "Prioritise BGP in the control plane policy", "Lower keepalive to 10 s and hold to 30 s on both sides"]}	public	\N	\N	2026-12-02 07:58:38.357986+00	2026-12-02 07:58:38.365074+00
931989ab-f7ee-43f8-9fc8-de0df66b9f98	acme	acme	published	2	1	{"body": "Firmware 17.3.0 enables deep flow telemetry by default. On small branch routers the export process consumes all CPU when many flows are active.", "tags": ["cpu", "firmware", "performance"], "title": "Router CPU at 100 percent after upgrading to 17.3", "audience": "public", "products": ["routers"], "symptoms": ["CPU pinned at 100 percent", "SSH to the router is very slow", "Routing protocol timeouts"], "resolution_steps": ["Disable flow telemetry export or raise the sampling rate", "Upgrade to 17.3.2", "Reload the router"]}	1	{"body": "Firmware 17.3.0 enables deep flow telemetry by default. On small branch routers the export process consumes all CPU when many flows are active.", "tags": ["cpu", "firmware", "performance"], "title": "Router CPU at 100 percent after upgrading to 17.3", "audience": "public", "products": ["routers"], "symptoms": ["CPU pinned at 100 percent", "SSH to the router is very slow", "Routing protocol timeouts"], "resolution_steps": ["Disable flow telemetry export or raise the sampling rate", "Upgrade to 17.3.2", "Reload the router"]}	public	\N	\N	2026-12-02 07:58:38.379459+00	2026-12-02 07:58:38.387934+00
a681c671-d8ed-4c8e-a4e6-c126d46665b4	acme	acme	published	2	1	{"body": "Engineering confirmed a leak in the IKE daemon when dead peer detection fires during a rekey. Fix scheduled for 17.3.2. Do not share the internal defect id with customers.", "tags": ["defect", "memory", "vpn", "internal"], "title": "Known defect: IKE daemon memory leak in 17.3.1 (engineering workaround)", "audience": "provider", "products": ["routers"], "symptoms": ["Router free memory shrinks day by day", "IKE daemon restarts and all tunnels drop"], "resolution_steps": ["Schedule a nightly restart of the IKE daemon", "Disable DPD on idle tunnels until 17.3.2"]}	1	{"body": "Engineering confirmed a leak in the IKE daemon when dead peer detection fires during a rekey. Fix scheduled for 17.3.2. Do not share the internal defect id with customers.", "tags": ["defect", "memory", "vpn", "internal"], "title": "Known defect: IKE daemon memory leak in 17.3.1 (engineering workaround)", "audience": "provider", "products": ["routers"], "symptoms": ["Router free memory shrinks day by day", "IKE daemon restarts and all tunnels drop"], "resolution_steps": ["Schedule a nightly restart of the IKE daemon", "Disable DPD on idle tunnels until 17.3.2"]}	provider	\N	\N	2026-12-02 07:58:38.39917+00	2026-12-02 07:58:38.405219+00
17b43370-4a0d-4751-91b6-3dbcc3063ac8	acme	acme	published	2	1	{"body": "Heartbeats between the cluster members travel over a single link. When that link flaps both nodes believe the peer is dead and the cluster fails over again and again.", "tags": ["high-availability", "cluster"], "title": "Firewall high availability pair keeps failing over", "audience": "public", "products": ["firewalls"], "symptoms": ["Active and standby firewall swap roles every few minutes", "Sessions drop on each failover"], "resolution_steps": ["Use two dedicated heartbeat links", "Raise the heartbeat threshold to 3 missed beats", "Enable preemption delay of 60 s"]}	1	{"body": "Heartbeats between the cluster members travel over a single link. When that link flaps both nodes believe the peer is dead and the cluster fails over again and again.", "tags": ["high-availability", "cluster"], "title": "Firewall high availability pair keeps failing over", "audience": "public", "products": ["firewalls"], "symptoms": ["Active and standby firewall swap roles every few minutes", "Sessions drop on each failover"], "resolution_steps": ["Use two dedicated heartbeat links", "Raise the heartbeat threshold to 3 missed beats", "Enable preemption delay of 60 s"]}	public	\N	\N	2026-12-02 07:58:38.415618+00	2026-12-02 07:58:38.421556+00
7d9f0475-e1dd-4e56-9316-ccf99ec122cf	acme	acme	published	2	1	{"body": "All users share one public address for source NAT. With about 64,000 ports per address and long idle timeouts the pool runs out at peak time.", "tags": ["nat", "performance"], "title": "Outbound connections fail intermittently: NAT port exhaustion", "audience": "public", "products": ["firewalls"], "symptoms": ["Some outbound connections time out during busy hours", "NAT pool usage at 100 percent"], "resolution_steps": ["Add addresses to the NAT pool", "Lower the UDP idle timeout to 30 s", "Check for a scanning host"]}	1	{"body": "All users share one public address for source NAT. With about 64,000 ports per address and long idle timeouts the pool runs out at peak time.", "tags": ["nat", "performance"], "title": "Outbound connections fail intermittently: NAT port exhaustion", "audience": "public", "products": ["firewalls"], "symptoms": ["Some outbound connections time out during busy hours", "NAT pool usage at 100 percent"], "resolution_steps": ["Add addresses to the NAT pool", "Lower the UDP idle timeout to 30 s", "Check for a scanning host"]}	public	\N	\N	2026-12-02 07:58:38.431406+00	2026-12-02 07:58:38.439101+00
2512d494-ae71-4f70-bad1-2b93e144d822	acme	acme	published	2	1	{"body": "Rules are evaluated top down and the first match wins. A broader deny above the new rule shadows it. The policy analyser lists shadowed rules.", "tags": ["policy", "rules"], "title": "New firewall rule has no effect: shadowed by an earlier rule", "audience": "partners", "products": ["firewalls"], "symptoms": ["Traffic is still blocked after adding an allow rule", "Rule hit counter stays at zero"], "resolution_steps": ["Run the policy analyser", "Move the new rule above the broader deny", "Check the hit counter"]}	1	{"body": "Rules are evaluated top down and the first match wins. A broader deny above the new rule shadows it. The policy analyser lists shadowed rules.", "tags": ["policy", "rules"], "title": "New firewall rule has no effect: shadowed by an earlier rule", "audience": "partners", "products": ["firewalls"], "symptoms": ["Traffic is still blocked after adding an allow rule", "Rule hit counter stays at zero"], "resolution_steps": ["Run the policy analyser", "Move the new rule above the broader deny", "Check the hit counter"]}	partners	\N	\N	2026-12-02 07:58:38.446377+00	2026-12-02 07:58:38.45221+00
ae8e967f-c366-4fa7-a91d-c75ce25e6a9a	acme	acme	published	2	1	{"body": "With TLS inspection the firewall re-signs server certificates with its own CA. Clients that do not trust that CA warn; pinned applications fail entirely.", "tags": ["tls", "certificates"], "title": "Browsers show certificate warnings after enabling SSL inspection", "audience": "public", "products": ["firewalls"], "symptoms": ["Every HTTPS site shows an untrusted certificate warning", "Some apps refuse to connect"], "resolution_steps": ["Deploy the firewall CA to clients by group policy", "Exempt pinned applications from inspection"]}	1	{"body": "With TLS inspection the firewall re-signs server certificates with its own CA. Clients that do not trust that CA warn; pinned applications fail entirely.", "tags": ["tls", "certificates"], "title": "Browsers show certificate warnings after enabling SSL inspection", "audience": "public", "products": ["firewalls"], "symptoms": ["Every HTTPS site shows an untrusted certificate warning", "Some apps refuse to connect"], "resolution_steps": ["Deploy the firewall CA to clients by group policy", "Exempt pinned applications from inspection"]}	public	\N	\N	2026-12-02 07:58:38.461729+00	2026-12-02 07:58:38.466595+00
93fd5f4b-96fc-46ae-bb44-aa76d2e674de	acme	acme	published	2	1	{"body": "Threat prevention needs a valid subscription; after expiry the firewall keeps old signatures and blocks nothing new.", "tags": ["license", "threat-prevention"], "title": "Threat prevention signatures stopped updating", "audience": "public", "products": ["firewalls"], "symptoms": ["Signature version is weeks old", "Dashboard warns the subscription expired"], "resolution_steps": ["Renew the subscription", "Refresh the license from the portal", "Force a signature update"]}	1	{"body": "Threat prevention needs a valid subscription; after expiry the firewall keeps old signatures and blocks nothing new.", "tags": ["license", "threat-prevention"], "title": "Threat prevention signatures stopped updating", "audience": "public", "products": ["firewalls"], "symptoms": ["Signature version is weeks old", "Dashboard warns the subscription expired"], "resolution_steps": ["Renew the subscription", "Refresh the license from the portal", "Force a signature update"]}	public	\N	\N	2026-12-02 07:58:38.474611+00	2026-12-02 07:58:38.480322+00
462b1e6e-cefb-4e40-8894-40bbb51997f7	acme	acme	published	2	1	{"body": "The branch router's DHCP pool is too small for the number of devices and the lease time is a week.", "tags": ["dhcp", "addressing"], "title": "New devices get no IP address: DHCP scope exhausted", "audience": "public", "products": ["routers"], "symptoms": ["Laptops show a self-assigned 169.254 address", "DHCP pool utilisation at 100 percent"], "resolution_steps": ["Enlarge the pool", "Shorten the lease time to 8 hours", "Clear stale bindings"]}	1	{"body": "The branch router's DHCP pool is too small for the number of devices and the lease time is a week.", "tags": ["dhcp", "addressing"], "title": "New devices get no IP address: DHCP scope exhausted", "audience": "public", "products": ["routers"], "symptoms": ["Laptops show a self-assigned 169.254 address", "DHCP pool utilisation at 100 percent"], "resolution_steps": ["Enlarge the pool", "Shorten the lease time to 8 hours", "Clear stale bindings"]}	public	\N	\N	2026-12-02 07:58:38.61179+00	2026-12-02 07:58:38.617088+00
3b6a4161-7976-41c4-ac02-04d76fce3719	acme	acme	published	2	1	{"body": "The tracked object that watches the primary link pings the local gateway, which stays up when the fibre fails further upstream.", "tags": ["lte", "wan", "failover"], "title": "LTE backup link does not take over when the fibre fails", "audience": "public", "products": ["routers"], "symptoms": ["Branch offline although the LTE modem has signal", "Default route still points at the fibre"], "resolution_steps": ["Track an address beyond the ISP", "Check the floating static route's distance", "Test by unplugging"]}	1	{"body": "The tracked object that watches the primary link pings the local gateway, which stays up when the fibre fails further upstream.", "tags": ["lte", "wan", "failover"], "title": "LTE backup link does not take over when the fibre fails", "audience": "public", "products": ["routers"], "symptoms": ["Branch offline although the LTE modem has signal", "Default route still points at the fibre"], "resolution_steps": ["Track an address beyond the ISP", "Check the floating static route's distance", "Test by unplugging"]}	public	\N	\N	2026-12-02 07:58:38.678038+00	2026-12-02 07:58:38.683731+00
c81c7b9d-3a60-499a-8ef1-3fd383757d93	acme	acme	published	2	1	{"body": "A cable plugged between two access ports created a loop on a switch where spanning tree was disabled. Broadcasts circulate forever and saturate every link.", "tags": ["stp", "loop", "network"], "title": "Network outage from a switching loop: spanning tree", "audience": "public", "products": ["switches"], "symptoms": ["Whole office network down", "Switch port LEDs blink in unison", "Broadcast storm"], "resolution_steps": ["Unplug the looped cable", "Enable rapid spanning tree on all switches", "Enable BPDU guard on edge ports"]}	1	{"body": "A cable plugged between two access ports created a loop on a switch where spanning tree was disabled. Broadcasts circulate forever and saturate every link.", "tags": ["stp", "loop", "network"], "title": "Network outage from a switching loop: spanning tree", "audience": "public", "products": ["switches"], "symptoms": ["Whole office network down", "Switch port LEDs blink in unison", "Broadcast storm"], "resolution_steps": ["Unplug the looped cable", "Enable rapid spanning tree on all switches", "Enable BPDU guard on edge ports"]}	public	\N	\N	2026-12-02 07:58:38.488344+00	2026-12-02 07:58:38.498241+00
63046d63-ec73-4cf7-ab40-cbdc45253cbe	acme	acme	published	2	1	{"body": "When the stack cable is faulty the members cannot elect a single master after a reboot and the stack splits into two.", "tags": ["stack", "high-availability"], "title": "Switch stack splits after the master reboots", "audience": "public", "products": ["switches"], "symptoms": ["Half of the access ports go down", "Two switches both claim to be stack master"], "resolution_steps": ["Replace the stack cable", "Set master priority on the intended master", "Reload the standby member"]}	1	{"body": "When the stack cable is faulty the members cannot elect a single master after a reboot and the stack splits into two.", "tags": ["stack", "high-availability"], "title": "Switch stack splits after the master reboots", "audience": "public", "products": ["switches"], "symptoms": ["Half of the access ports go down", "Two switches both claim to be stack master"], "resolution_steps": ["Replace the stack cable", "Set master priority on the intended master", "Reload the standby member"]}	public	\N	\N	2026-12-02 07:58:38.50596+00	2026-12-02 07:58:38.511539+00
ecfbcdfd-0f9c-4cf5-9302-a822893ac4bc	acme	acme	published	2	1	{"body": "The switch power supply cannot feed every powered device at its class maximum; ports beyond the budget are denied power.", "tags": ["poe", "power"], "title": "Access points and phones lose power: PoE budget exceeded", "audience": "public", "products": ["switches"], "symptoms": ["New access points do not power up", "IP phones reboot randomly"], "resolution_steps": ["Check the PoE budget on the switch", "Set port priorities for critical devices", "Add a second power supply"]}	1	{"body": "The switch power supply cannot feed every powered device at its class maximum; ports beyond the budget are denied power.", "tags": ["poe", "power"], "title": "Access points and phones lose power: PoE budget exceeded", "audience": "public", "products": ["switches"], "symptoms": ["New access points do not power up", "IP phones reboot randomly"], "resolution_steps": ["Check the PoE budget on the switch", "Set port priorities for critical devices", "Add a second power supply"]}	public	\N	\N	2026-12-02 07:58:38.519064+00	2026-12-02 07:58:38.525812+00
4f8ec9b5-9385-4812-8c54-bde085514187	acme	acme	published	2	1	{"body": "Without fast roaming (802.11r) clients do a full reauthentication at each access point, which takes too long for voice.", "tags": ["wireless", "roaming"], "title": "Wi-Fi calls drop when walking between access points", "audience": "public", "products": ["wifi"], "symptoms": ["Voice calls drop when moving around the office", "Laptops stick to a far access point"], "resolution_steps": ["Enable 802.11r fast transition", "Lower the minimum basic rate", "Tune transmit power"]}	1	{"body": "Without fast roaming (802.11r) clients do a full reauthentication at each access point, which takes too long for voice.", "tags": ["wireless", "roaming"], "title": "Wi-Fi calls drop when walking between access points", "audience": "public", "products": ["wifi"], "symptoms": ["Voice calls drop when moving around the office", "Laptops stick to a far access point"], "resolution_steps": ["Enable 802.11r fast transition", "Lower the minimum basic rate", "Tune transmit power"]}	public	\N	\N	2026-12-02 07:58:38.533391+00	2026-12-02 07:58:38.539012+00
7469e69a-71d1-4c09-b7b4-2eb4f1e461a0	acme	acme	published	2	1	{"body": "The identity provider and the appliance disagree about the time. A SAML assertion issued a few seconds in the future is rejected.", "tags": ["saml", "authentication", "login"], "title": "SSO login fails with SAML assertion not yet valid", "audience": "public", "products": ["sso"], "symptoms": ["Users cannot log in through single sign-on", "Error: assertion is not yet valid"], "resolution_steps": ["Point both at the same NTP servers", "Allow 120 s clock skew", "Retry the login"]}	1	{"body": "The identity provider and the appliance disagree about the time. A SAML assertion issued a few seconds in the future is rejected.", "tags": ["saml", "authentication", "login"], "title": "SSO login fails with SAML assertion not yet valid", "audience": "public", "products": ["sso"], "symptoms": ["Users cannot log in through single sign-on", "Error: assertion is not yet valid"], "resolution_steps": ["Point both at the same NTP servers", "Allow 120 s clock skew", "Retry the login"]}	public	\N	\N	2026-12-02 07:58:38.546316+00	2026-12-02 07:58:38.552663+00
24f7dd8f-a71d-4061-a8c6-59b420920367	acme	acme	published	2	1	{"body": "The identity provider rolled over its SAML signing certificate and the appliance still trusts only the old one.", "tags": ["saml", "certificates", "login"], "title": "Single sign-on stops working after the identity provider rotated its signing certificate", "audience": "public", "products": ["sso"], "symptoms": ["All SSO logins fail on the same morning", "Signature validation failed in the log"], "resolution_steps": ["Import the new IdP metadata", "Enable automatic metadata refresh"]}	1	{"body": "The identity provider rolled over its SAML signing certificate and the appliance still trusts only the old one.", "tags": ["saml", "certificates", "login"], "title": "Single sign-on stops working after the identity provider rotated its signing certificate", "audience": "public", "products": ["sso"], "symptoms": ["All SSO logins fail on the same morning", "Signature validation failed in the log"], "resolution_steps": ["Import the new IdP metadata", "Enable automatic metadata refresh"]}	public	\N	\N	2026-12-02 07:58:38.560061+00	2026-12-02 07:58:38.565784+00
984f3a35-0326-466e-ba4f-92bfaccb81ef	acme	acme	published	2	1	{"body": "The administrator's authenticator was reset. Local break-glass accounts are exempt from MFA for exactly this case.", "tags": ["mfa", "authentication"], "title": "Administrator locked out after losing the MFA token", "audience": "public", "products": ["sso"], "symptoms": ["Admin cannot log in to the management console", "MFA code rejected"], "resolution_steps": ["Log in with the break-glass account", "Reset the admin's MFA enrolment", "Rotate the break-glass password"]}	1	{"body": "The administrator's authenticator was reset. Local break-glass accounts are exempt from MFA for exactly this case.", "tags": ["mfa", "authentication"], "title": "Administrator locked out after losing the MFA token", "audience": "public", "products": ["sso"], "symptoms": ["Admin cannot log in to the management console", "MFA code rejected"], "resolution_steps": ["Log in with the break-glass account", "Reset the admin's MFA enrolment", "Rotate the break-glass password"]}	public	\N	\N	2026-12-02 07:58:38.572824+00	2026-12-02 07:58:38.578412+00
0e8805da-dbcc-430d-a3b2-0b7d1d3dc24d	acme	acme	published	2	1	{"body": "The backup account's password was rotated on the devices but not in the backup job, or SCP is disabled after hardening.", "tags": ["backup", "configuration"], "title": "Nightly configuration backup job fails with authentication error", "audience": "public", "products": ["routers", "firewalls"], "symptoms": ["Backup job report shows failed devices", "Authentication failed over SCP"], "resolution_steps": ["Update the backup credentials", "Enable SCP for the backup account", "Run the job by hand"]}	1	{"body": "The backup account's password was rotated on the devices but not in the backup job, or SCP is disabled after hardening.", "tags": ["backup", "configuration"], "title": "Nightly configuration backup job fails with authentication error", "audience": "public", "products": ["routers", "firewalls"], "symptoms": ["Backup job report shows failed devices", "Authentication failed over SCP"], "resolution_steps": ["Update the backup credentials", "Enable SCP for the backup account", "Run the job by hand"]}	public	\N	\N	2026-12-02 07:58:38.585822+00	2026-12-02 07:58:38.591364+00
39af885f-4f11-4c99-9cd8-6df161e16483	acme	acme	published	2	1	{"body": "Configuration archives keep the last 30 versions on the device and the backup server. A rollback replaces the running configuration atomically.", "tags": ["backup", "rollback"], "title": "Restoring a device configuration from backup", "audience": "public", "products": ["routers", "firewalls"], "symptoms": ["A bad change took a site down", "Need to roll back to last night's configuration"], "resolution_steps": ["List the archived versions", "Roll back to the chosen version", "Save and verify"]}	1	{"body": "Configuration archives keep the last 30 versions on the device and the backup server. A rollback replaces the running configuration atomically.", "tags": ["backup", "rollback"], "title": "Restoring a device configuration from backup", "audience": "public", "products": ["routers", "firewalls"], "symptoms": ["A bad change took a site down", "Need to roll back to last night's configuration"], "resolution_steps": ["List the archived versions", "Roll back to the chosen version", "Save and verify"]}	public	\N	\N	2026-12-02 07:58:38.598223+00	2026-12-02 07:58:38.603836+00
8069a896-c05f-4370-a5c4-d379b51ed0ab	acme	acme	published	2	1	{"body": "The router forwards DNS to a resolver over the VPN that is overloaded; the first resolver times out before the second is tried.", "tags": ["dns", "performance"], "title": "Web browsing slow at the branch: DNS lookups time out", "audience": "public", "products": ["routers"], "symptoms": ["Pages take seconds to start loading", "nslookup times out on the first try"], "resolution_steps": ["Use a local resolver", "Enable DNS caching on the router", "Lower the resolver timeout"]}	1	{"body": "The router forwards DNS to a resolver over the VPN that is overloaded; the first resolver times out before the second is tried.", "tags": ["dns", "performance"], "title": "Web browsing slow at the branch: DNS lookups time out", "audience": "public", "products": ["routers"], "symptoms": ["Pages take seconds to start loading", "nslookup times out on the first try"], "resolution_steps": ["Use a local resolver", "Enable DNS caching on the router", "Lower the resolver timeout"]}	public	\N	\N	2026-12-02 07:58:38.624269+00	2026-12-02 07:58:38.630427+00
b7911546-6410-46cd-9cff-a68abe509103	northwind	acme	published	3	1	{"body": "Northwind's checklist for installing a branch in one visit: pre-staged configuration, VPN test from the depot, VLAN and PoE check on site, and a handover test call.", "tags": ["rollout", "best-practice"], "title": "Branch rollout checklist: router, switch and VPN in one visit", "audience": "partners", "products": ["routers", "switches"], "symptoms": ["Repeat site visits after a branch go-live", "Tunnels and VLANs missing after installation"], "resolution_steps": ["Pre-stage the router configuration", "Test the VPN from the depot", "Check VLANs and PoE on site"]}	1	{"body": "Northwind's checklist for installing a branch in one visit: pre-staged configuration, VPN test from the depot, VLAN and PoE check on site, and a handover test call.", "tags": ["rollout", "best-practice"], "title": "Branch rollout checklist: router, switch and VPN in one visit", "audience": "partners", "products": ["routers", "switches"], "symptoms": ["Repeat site visits after a branch go-live", "Tunnels and VLANs missing after installation"], "resolution_steps": ["Pre-stage the router configuration", "Test the VPN from the depot", "Check VLANs and PoE on site"]}	partners	\N	\N	2026-12-02 07:58:38.637926+00	2026-12-02 07:58:38.648199+00
c757f978-aa36-433c-9897-a417098581b8	northwind	acme	published	3	1	{"body": "Upgrade the standby first, fail over, then upgrade the former active. Check session synchronisation before each failover.", "tags": ["firmware", "upgrade", "best-practice"], "title": "Upgrading a firewall cluster without downtime", "audience": "partners", "products": ["firewalls"], "symptoms": ["Customers need firmware upgrades without an outage"], "resolution_steps": ["Upgrade the standby member", "Fail over and verify sessions", "Upgrade the other member"]}	1	{"body": "Upgrade the standby first, fail over, then upgrade the former active. Check session synchronisation before each failover.", "tags": ["firmware", "upgrade", "best-practice"], "title": "Upgrading a firewall cluster without downtime", "audience": "partners", "products": ["firewalls"], "symptoms": ["Customers need firmware upgrades without an outage"], "resolution_steps": ["Upgrade the standby member", "Fail over and verify sessions", "Upgrade the other member"]}	partners	\N	\N	2026-12-02 07:58:38.656331+00	2026-12-02 07:58:38.669877+00
d4a70829-c766-5de5-97c7-e6d7cdf8782b	acme	acme	draft	1	1	{"body": "## Problem\\n\\nSite-to-site tunnel to Leeds dropped at 09:12.\\n\\n## Resolution (config-fix)\\n\\ndone\\n\\n## From the incident\\n\\n- shared note\\n- any news?", "tags": ["config-fix"], "title": "Core router down", "audience": "partners", "products": ["routers"], "symptoms": ["Site-to-site tunnel to Leeds dropped at 09:12."], "resolution_steps": ["done"]}	\N	\N	\N	20dd4880-f1ff-4553-93aa-dfa0bb3a85e7	\N	2026-12-02 07:58:43.401574+00	2026-12-02 07:58:43.401574+00
00413949-f258-5e8a-933e-d24e986f86cd	contoso	acme	draft	1	1	{"body": "## Problem\\n\\nSite-to-site tunnel to Leeds dropped at 09:12.\\n\\n## Resolution (config-fix)\\n\\ndone\\n\\n## From the incident\\n\\n- shared note\\n- logs attached", "tags": ["config-fix"], "title": "Slow VPN", "audience": "partners", "products": ["routers"], "symptoms": ["Site-to-site tunnel to Leeds dropped at 09:12."], "resolution_steps": ["done"]}	\N	\N	\N	4d1d5197-d460-416c-b801-4540f4b5c79f	\N	2026-12-02 07:58:43.416358+00	2026-12-02 07:58:43.416358+00
0b2d454c-69b8-5f78-9f88-31a1451172b4	northwind	acme	draft	1	1	{"body": "## Problem\\n\\nSite-to-site tunnel to Leeds dropped at 09:12.\\n\\n## Resolution (config-fix)\\n\\ndone\\n\\n## From the incident\\n\\n- shared note", "tags": ["config-fix"], "title": "VPN tunnel flapping", "audience": "partners", "products": ["routers"], "symptoms": ["Site-to-site tunnel to Leeds dropped at 09:12."], "resolution_steps": ["done"]}	\N	\N	\N	e83e2e4f-d735-44e4-a1c0-285572c6af05	\N	2026-12-02 07:58:43.424995+00	2026-12-02 07:58:43.424995+00
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
1	787	1	ca25745e-ce8e-4dba-b0c0-ab466c8ad51a	article:3f833918-6e21-4ef8-b81e-e7c4b6d024b4	1	village.knowledge.article_drafted.v1	{"content": {"body": "Since router firmware 17.3.1 the default IKE phase 1 lifetime is 3600 s. A peer still on 16.x uses 86400 s, so the peers rekey out of step and the tunnel flaps until both agree.", "tags": ["vpn", "ipsec", "firmware"], "title": "IPsec tunnel flaps every few minutes after a firmware upgrade", "audience": "public", "products": ["routers"], "symptoms": ["Site-to-site VPN tunnel drops and comes back every few minutes", "IKE SA rekey failures in the log"], "resolution_steps": ["Set the IKE lifetime to 28800 s on both peers", "Clear the security associations", "Watch one rekey"]}, "version": 1, "provider": "acme", "article_id": "3f833918-6e21-4ef8-b81e-e7c4b6d024b4", "author_party": "acme"}	{"parties": ["acme"], "provider": "acme", "actor_kind": "provider", "actor_user": "acme-user", "visibility": "restricted", "actor_party": "acme", "traceparent": "00-ec8d0c04fc655d6074e2f1420ba5aab3-eeb12fb49c533678-02", "causation_id": "seed-article-ipsec-lifetime-mismatch", "correlation_id": "de0d22bd-8452-4412-a961-a65cdc95fa1c"}	2026-12-02 07:58:38.283047+00	2026-12-02 07:58:38.311265+00
2	790	2	6a213a34-440d-4422-a876-fbef9a1ca385	article:3f833918-6e21-4ef8-b81e-e7c4b6d024b4	2	village.knowledge.article_published.v1	{"content": {"body": "Since router firmware 17.3.1 the default IKE phase 1 lifetime is 3600 s. A peer still on 16.x uses 86400 s, so the peers rekey out of step and the tunnel flaps until both agree.", "tags": ["vpn", "ipsec", "firmware"], "title": "IPsec tunnel flaps every few minutes after a firmware upgrade", "audience": "public", "products": ["routers"], "symptoms": ["Site-to-site VPN tunnel drops and comes back every few minutes", "IKE SA rekey failures in the log"], "resolution_steps": ["Set the IKE lifetime to 28800 s on both peers", "Clear the security associations", "Watch one rekey"]}, "version": 1, "provider": "acme", "article_id": "3f833918-6e21-4ef8-b81e-e7c4b6d024b4", "author_party": "acme"}	{"parties": ["acme", "contoso", "initech", "northwind", "umbrella"], "provider": "acme", "actor_kind": "provider", "actor_user": "acme-user", "visibility": "shared", "actor_party": "acme", "traceparent": "00-59ba5a5cfffd1e16f31bc521b3b147dd-8a81dee89c0613c3-02", "correlation_id": "a339bd8c-ee80-4cd6-951f-0c022202f858"}	2026-12-02 07:58:38.316199+00	2026-12-02 07:58:38.33772+00
3	791	3	bab802b7-a350-434f-80e6-6f57c3bebb91	article:0f1f843a-85a1-4cb2-9c4d-3ca86c96e531	1	village.knowledge.article_drafted.v1	{"content": {"body": "Packets close to 1500 bytes do not fit once the IPsec overhead is added. Without TCP MSS clamping they are fragmented or dropped when the path blocks ICMP fragmentation-needed messages.", "tags": ["vpn", "mtu", "performance"], "title": "Slow file transfers and stalled web pages over the branch VPN", "audience": "public", "products": ["routers"], "symptoms": ["Small pings work but large transfers stall over the VPN", "SMB copies hang at a few percent"], "resolution_steps": ["Clamp the TCP MSS to 1360 on the tunnel interface", "Set the tunnel MTU to 1400", "Retest with a large ping"]}, "version": 1, "provider": "acme", "article_id": "0f1f843a-85a1-4cb2-9c4d-3ca86c96e531", "author_party": "acme"}	{"parties": ["acme"], "provider": "acme", "actor_kind": "provider", "actor_user": "acme-user", "visibility": "restricted", "actor_party": "acme", "traceparent": "00-5911becfddbac9cb66777a790cb21cbd-2d183643d0113995-02", "causation_id": "seed-article-vpn-mtu-fragmentation", "correlation_id": "691fc937-ad5d-4ab8-a4f4-6cd06fe31e36"}	2026-12-02 07:58:38.336889+00	2026-12-02 07:58:38.347952+00
4	793	4	b05858ba-a956-41cd-89e7-1f3ab51afb17	article:0f1f843a-85a1-4cb2-9c4d-3ca86c96e531	2	village.knowledge.article_published.v1	{"content": {"body": "Packets close to 1500 bytes do not fit once the IPsec overhead is added. Without TCP MSS clamping they are fragmented or dropped when the path blocks ICMP fragmentation-needed messages.", "tags": ["vpn", "mtu", "performance"], "title": "Slow file transfers and stalled web pages over the branch VPN", "audience": "public", "products": ["routers"], "symptoms": ["Small pings work but large transfers stall over the VPN", "SMB copies hang at a few percent"], "resolution_steps": ["Clamp the TCP MSS to 1360 on the tunnel interface", "Set the tunnel MTU to 1400", "Retest with a large ping"]}, "version": 1, "provider": "acme", "article_id": "0f1f843a-85a1-4cb2-9c4d-3ca86c96e531", "author_party": "acme"}	{"parties": ["acme", "contoso", "initech", "northwind", "umbrella"], "provider": "acme", "actor_kind": "provider", "actor_user": "acme-user", "visibility": "shared", "actor_party": "acme", "traceparent": "00-7f89703a1a9a2e70adf223c70c8df356-76c1655e8570bdc0-02", "correlation_id": "3dc4b9e7-ff0b-4e92-80ce-9214f192b066"}	2026-12-02 07:58:38.345273+00	2026-12-02 07:58:38.358361+00
6	799	6	43c12f6e-9256-474e-901b-274c850f33da	article:30b2d9a9-8745-4e58-bb98-8dfed12d29bd	2	village.knowledge.article_published.v1	{"content": {"body": "Keepalives are lost when the uplink is saturated or the control plane is policed too hard. The session then resets after the hold time and routes are withdrawn.", "tags": ["bgp", "routing"], "title": "BGP neighbor flaps with hold timer expired", "audience": "public", "products": ["routers"], "symptoms": ["BGP session to the ISP resets every few minutes", "Log shows hold timer expired"], "resolution_steps": ["Check interface drops on the uplink", "Prioritise BGP in the control plane policy", "Lower keepalive to 10 s and hold to 30 s on both sides"]}, "version": 1, "provider": "acme", "article_id": "30b2d9a9-8745-4e58-bb98-8dfed12d29bd", "author_party": "acme"}	{"parties": ["acme", "contoso", "initech", "northwind", "umbrella"], "provider": "acme", "actor_kind": "provider", "actor_user": "acme-user", "visibility": "shared", "actor_party": "acme", "traceparent": "00-c59e54eb80bb12322a096c7f06504d13-32acc5bc10c4b48e-02", "correlation_id": "d0b482fa-daa6-40b5-be82-95b91fdf6f2b"}	2026-12-02 07:58:38.365074+00	2026-12-02 07:58:38.375146+00
5	796	5	67fdfe01-e412-4ece-b2bb-fb3778b48d48	article:30b2d9a9-8745-4e58-bb98-8dfed12d29bd	1	village.knowledge.article_drafted.v1	{"content": {"body": "Keepalives are lost when the uplink is saturated or the control plane is policed too hard. The session then resets after the hold time and routes are withdrawn.", "tags": ["bgp", "routing"], "title": "BGP neighbor flaps with hold timer expired", "audience": "public", "products": ["routers"], "symptoms": ["BGP session to the ISP resets every few minutes", "Log shows hold timer expired"], "resolution_steps": ["Check interface drops on the uplink", "Prioritise BGP in the control plane policy", "Lower keepalive to 10 s and hold to 30 s on both sides"]}, "version": 1, "provider": "acme", "article_id": "30b2d9a9-8745-4e58-bb98-8dfed12d29bd", "author_party": "acme"}	{"parties": ["acme"], "provider": "acme", "actor_kind": "provider", "actor_user": "acme-user", "visibility": "restricted", "actor_party": "acme", "traceparent": "00-a714f881d57138b74cf00d14c33e1d58-dab2039ea124135f-02", "causation_id": "seed-article-bgp-neighbor-flap-hold-timer", "correlation_id": "1aaf7264-00b8-4f49-a157-fe7a1f63345b"}	2026-12-02 07:58:38.357986+00	2026-12-02 07:58:38.367425+00
7	802	7	45da6bb0-f386-423f-883b-92a14f9444d9	article:931989ab-f7ee-43f8-9fc8-de0df66b9f98	1	village.knowledge.article_drafted.v1	{"content": {"body": "Firmware 17.3.0 enables deep flow telemetry by default. On small branch routers the export process consumes all CPU when many flows are active.", "tags": ["cpu", "firmware", "performance"], "title": "Router CPU at 100 percent after upgrading to 17.3", "audience": "public", "products": ["routers"], "symptoms": ["CPU pinned at 100 percent", "SSH to the router is very slow", "Routing protocol timeouts"], "resolution_steps": ["Disable flow telemetry export or raise the sampling rate", "Upgrade to 17.3.2", "Reload the router"]}, "version": 1, "provider": "acme", "article_id": "931989ab-f7ee-43f8-9fc8-de0df66b9f98", "author_party": "acme"}	{"parties": ["acme"], "provider": "acme", "actor_kind": "provider", "actor_user": "acme-user", "visibility": "restricted", "actor_party": "acme", "traceparent": "00-1a1654e2b27ee56d843f0b70527efc7d-cb282f2b51242da2-02", "causation_id": "seed-article-router-high-cpu-after-upgrade", "correlation_id": "077ee47d-8b1d-4409-97dd-6bb74176e75d"}	2026-12-02 07:58:38.379459+00	2026-12-02 07:58:38.39091+00
9	807	9	b9b07303-749f-4724-b306-941b5abdcfdf	article:a681c671-d8ed-4c8e-a4e6-c126d46665b4	1	village.knowledge.article_drafted.v1	{"content": {"body": "Engineering confirmed a leak in the IKE daemon when dead peer detection fires during a rekey. Fix scheduled for 17.3.2. Do not share the internal defect id with customers.", "tags": ["defect", "memory", "vpn", "internal"], "title": "Known defect: IKE daemon memory leak in 17.3.1 (engineering workaround)", "audience": "provider", "products": ["routers"], "symptoms": ["Router free memory shrinks day by day", "IKE daemon restarts and all tunnels drop"], "resolution_steps": ["Schedule a nightly restart of the IKE daemon", "Disable DPD on idle tunnels until 17.3.2"]}, "version": 1, "provider": "acme", "article_id": "a681c671-d8ed-4c8e-a4e6-c126d46665b4", "author_party": "acme"}	{"parties": ["acme"], "provider": "acme", "actor_kind": "provider", "actor_user": "acme-user", "visibility": "restricted", "actor_party": "acme", "traceparent": "00-1599e31062073b7adb33fafbabf90e7f-04122f933c2d088a-02", "causation_id": "seed-article-router-memory-leak-ike", "correlation_id": "cf036830-dac8-4eea-9bd1-c0702761b35f"}	2026-12-02 07:58:38.39917+00	2026-12-02 07:58:38.406376+00
10	808	10	6afc034d-c395-4888-afd5-8ff97c96373d	article:a681c671-d8ed-4c8e-a4e6-c126d46665b4	2	village.knowledge.article_published.v1	{"content": {"body": "Engineering confirmed a leak in the IKE daemon when dead peer detection fires during a rekey. Fix scheduled for 17.3.2. Do not share the internal defect id with customers.", "tags": ["defect", "memory", "vpn", "internal"], "title": "Known defect: IKE daemon memory leak in 17.3.1 (engineering workaround)", "audience": "provider", "products": ["routers"], "symptoms": ["Router free memory shrinks day by day", "IKE daemon restarts and all tunnels drop"], "resolution_steps": ["Schedule a nightly restart of the IKE daemon", "Disable DPD on idle tunnels until 17.3.2"]}, "version": 1, "provider": "acme", "article_id": "a681c671-d8ed-4c8e-a4e6-c126d46665b4", "author_party": "acme"}	{"parties": ["acme"], "provider": "acme", "actor_kind": "provider", "actor_user": "acme-user", "visibility": "internal", "actor_party": "acme", "traceparent": "00-a77b17ba9914ad428946d8fce69b020e-0dc0206243271b0b-02", "correlation_id": "12aeae5d-2d16-4d12-9898-56ca2cce686b"}	2026-12-02 07:58:38.405219+00	2026-12-02 07:58:38.416924+00
11	810	11	947ff692-2c62-45ac-80e6-93f38fed6a90	article:17b43370-4a0d-4751-91b6-3dbcc3063ac8	1	village.knowledge.article_drafted.v1	{"content": {"body": "Heartbeats between the cluster members travel over a single link. When that link flaps both nodes believe the peer is dead and the cluster fails over again and again.", "tags": ["high-availability", "cluster"], "title": "Firewall high availability pair keeps failing over", "audience": "public", "products": ["firewalls"], "symptoms": ["Active and standby firewall swap roles every few minutes", "Sessions drop on each failover"], "resolution_steps": ["Use two dedicated heartbeat links", "Raise the heartbeat threshold to 3 missed beats", "Enable preemption delay of 60 s"]}, "version": 1, "provider": "acme", "article_id": "17b43370-4a0d-4751-91b6-3dbcc3063ac8", "author_party": "acme"}	{"parties": ["acme"], "provider": "acme", "actor_kind": "provider", "actor_user": "acme-user", "visibility": "restricted", "actor_party": "acme", "traceparent": "00-4761a0d4df2308fd1265790231415c52-62569e87372732bb-02", "causation_id": "seed-article-firewall-ha-failover-loop", "correlation_id": "77399c45-fdbe-4821-b4a2-719eaa242915"}	2026-12-02 07:58:38.415618+00	2026-12-02 07:58:38.425186+00
8	804	8	d5d3511a-bc07-454e-9834-66b4fdd358b2	article:931989ab-f7ee-43f8-9fc8-de0df66b9f98	2	village.knowledge.article_published.v1	{"content": {"body": "Firmware 17.3.0 enables deep flow telemetry by default. On small branch routers the export process consumes all CPU when many flows are active.", "tags": ["cpu", "firmware", "performance"], "title": "Router CPU at 100 percent after upgrading to 17.3", "audience": "public", "products": ["routers"], "symptoms": ["CPU pinned at 100 percent", "SSH to the router is very slow", "Routing protocol timeouts"], "resolution_steps": ["Disable flow telemetry export or raise the sampling rate", "Upgrade to 17.3.2", "Reload the router"]}, "version": 1, "provider": "acme", "article_id": "931989ab-f7ee-43f8-9fc8-de0df66b9f98", "author_party": "acme"}	{"parties": ["acme", "contoso", "initech", "northwind", "umbrella"], "provider": "acme", "actor_kind": "provider", "actor_user": "acme-user", "visibility": "shared", "actor_party": "acme", "traceparent": "00-b2ab2e86462703ce6da2a8a64b659c9f-102bf4dc925ab263-02", "correlation_id": "c2dbdac6-cd3e-4b94-885b-7be427e901fd"}	2026-12-02 07:58:38.387934+00	2026-12-02 07:58:38.396242+00
12	812	12	f212543c-fe34-43cb-b818-5368cc5a75a6	article:17b43370-4a0d-4751-91b6-3dbcc3063ac8	2	village.knowledge.article_published.v1	{"content": {"body": "Heartbeats between the cluster members travel over a single link. When that link flaps both nodes believe the peer is dead and the cluster fails over again and again.", "tags": ["high-availability", "cluster"], "title": "Firewall high availability pair keeps failing over", "audience": "public", "products": ["firewalls"], "symptoms": ["Active and standby firewall swap roles every few minutes", "Sessions drop on each failover"], "resolution_steps": ["Use two dedicated heartbeat links", "Raise the heartbeat threshold to 3 missed beats", "Enable preemption delay of 60 s"]}, "version": 1, "provider": "acme", "article_id": "17b43370-4a0d-4751-91b6-3dbcc3063ac8", "author_party": "acme"}	{"parties": ["acme", "contoso", "initech", "northwind", "umbrella"], "provider": "acme", "actor_kind": "provider", "actor_user": "acme-user", "visibility": "shared", "actor_party": "acme", "traceparent": "00-652838fb348bc5feb4a8d74011c5aeca-e5421f553879a9e3-02", "correlation_id": "a95cabb1-0fd8-4ead-be88-835ef3b649b9"}	2026-12-02 07:58:38.421556+00	2026-12-02 07:58:38.43227+00
13	814	13	7766689e-a8b5-459d-bc51-ec908d98cbf4	article:7d9f0475-e1dd-4e56-9316-ccf99ec122cf	1	village.knowledge.article_drafted.v1	{"content": {"body": "All users share one public address for source NAT. With about 64,000 ports per address and long idle timeouts the pool runs out at peak time.", "tags": ["nat", "performance"], "title": "Outbound connections fail intermittently: NAT port exhaustion", "audience": "public", "products": ["firewalls"], "symptoms": ["Some outbound connections time out during busy hours", "NAT pool usage at 100 percent"], "resolution_steps": ["Add addresses to the NAT pool", "Lower the UDP idle timeout to 30 s", "Check for a scanning host"]}, "version": 1, "provider": "acme", "article_id": "7d9f0475-e1dd-4e56-9316-ccf99ec122cf", "author_party": "acme"}	{"parties": ["acme"], "provider": "acme", "actor_kind": "provider", "actor_user": "acme-user", "visibility": "restricted", "actor_party": "acme", "traceparent": "00-e5dcefc6439f26e5f57a53872585c477-19fec3ef8a7a1299-02", "causation_id": "seed-article-firewall-nat-port-exhaustion", "correlation_id": "6f875857-85a6-449d-b01e-86d68a43de1e"}	2026-12-02 07:58:38.431406+00	2026-12-02 07:58:38.438686+00
14	817	14	e664924d-f7c0-4178-97e6-8c91608d7f1a	article:7d9f0475-e1dd-4e56-9316-ccf99ec122cf	2	village.knowledge.article_published.v1	{"content": {"body": "All users share one public address for source NAT. With about 64,000 ports per address and long idle timeouts the pool runs out at peak time.", "tags": ["nat", "performance"], "title": "Outbound connections fail intermittently: NAT port exhaustion", "audience": "public", "products": ["firewalls"], "symptoms": ["Some outbound connections time out during busy hours", "NAT pool usage at 100 percent"], "resolution_steps": ["Add addresses to the NAT pool", "Lower the UDP idle timeout to 30 s", "Check for a scanning host"]}, "version": 1, "provider": "acme", "article_id": "7d9f0475-e1dd-4e56-9316-ccf99ec122cf", "author_party": "acme"}	{"parties": ["acme", "contoso", "initech", "northwind", "umbrella"], "provider": "acme", "actor_kind": "provider", "actor_user": "acme-user", "visibility": "shared", "actor_party": "acme", "traceparent": "00-1e915df640f9a3d05d7c2d91729b21ca-d6f5a7c22af56800-02", "correlation_id": "16b6432c-93d6-4049-9b51-4f1937f5e03f"}	2026-12-02 07:58:38.439101+00	2026-12-02 07:58:38.44817+00
15	818	15	c9a6dd68-f258-446a-9921-2306c84ac225	article:2512d494-ae71-4f70-bad1-2b93e144d822	1	village.knowledge.article_drafted.v1	{"content": {"body": "Rules are evaluated top down and the first match wins. A broader deny above the new rule shadows it. The policy analyser lists shadowed rules.", "tags": ["policy", "rules"], "title": "New firewall rule has no effect: shadowed by an earlier rule", "audience": "partners", "products": ["firewalls"], "symptoms": ["Traffic is still blocked after adding an allow rule", "Rule hit counter stays at zero"], "resolution_steps": ["Run the policy analyser", "Move the new rule above the broader deny", "Check the hit counter"]}, "version": 1, "provider": "acme", "article_id": "2512d494-ae71-4f70-bad1-2b93e144d822", "author_party": "acme"}	{"parties": ["acme"], "provider": "acme", "actor_kind": "provider", "actor_user": "acme-user", "visibility": "restricted", "actor_party": "acme", "traceparent": "00-f959774e715a064feb626f80409dab8c-5dded0416e35df1b-02", "causation_id": "seed-article-firewall-policy-shadowing", "correlation_id": "89530a90-9ec2-4e56-80e9-8bd3c60d2a53"}	2026-12-02 07:58:38.446377+00	2026-12-02 07:58:38.455003+00
16	820	16	f8144ab9-9e2d-49f7-8e80-a5d4e16fef6b	article:2512d494-ae71-4f70-bad1-2b93e144d822	2	village.knowledge.article_published.v1	{"content": {"body": "Rules are evaluated top down and the first match wins. A broader deny above the new rule shadows it. The policy analyser lists shadowed rules.", "tags": ["policy", "rules"], "title": "New firewall rule has no effect: shadowed by an earlier rule", "audience": "partners", "products": ["firewalls"], "symptoms": ["Traffic is still blocked after adding an allow rule", "Rule hit counter stays at zero"], "resolution_steps": ["Run the policy analyser", "Move the new rule above the broader deny", "Check the hit counter"]}, "version": 1, "provider": "acme", "article_id": "2512d494-ae71-4f70-bad1-2b93e144d822", "author_party": "acme"}	{"parties": ["acme", "contoso", "northwind"], "provider": "acme", "actor_kind": "provider", "actor_user": "acme-user", "visibility": "restricted", "actor_party": "acme", "traceparent": "00-0146daacc79557a00550fe1aea640460-9d9cfd40cae9cdee-02", "correlation_id": "697b9de6-8e24-4749-94d3-34d7a5bba150"}	2026-12-02 07:58:38.45221+00	2026-12-02 07:58:38.459487+00
17	823	17	fdbda1ef-23aa-4d34-a7c9-855e3a97b8ab	article:ae8e967f-c366-4fa7-a91d-c75ce25e6a9a	1	village.knowledge.article_drafted.v1	{"content": {"body": "With TLS inspection the firewall re-signs server certificates with its own CA. Clients that do not trust that CA warn; pinned applications fail entirely.", "tags": ["tls", "certificates"], "title": "Browsers show certificate warnings after enabling SSL inspection", "audience": "public", "products": ["firewalls"], "symptoms": ["Every HTTPS site shows an untrusted certificate warning", "Some apps refuse to connect"], "resolution_steps": ["Deploy the firewall CA to clients by group policy", "Exempt pinned applications from inspection"]}, "version": 1, "provider": "acme", "article_id": "ae8e967f-c366-4fa7-a91d-c75ce25e6a9a", "author_party": "acme"}	{"parties": ["acme"], "provider": "acme", "actor_kind": "provider", "actor_user": "acme-user", "visibility": "restricted", "actor_party": "acme", "traceparent": "00-1780ac966929ba04f9891c8849dea130-2eb0abbfe8e60a95-02", "causation_id": "seed-article-firewall-ssl-inspection-certificate", "correlation_id": "4f05ec48-acf1-4302-a986-1f200d02a034"}	2026-12-02 07:58:38.461729+00	2026-12-02 07:58:38.468521+00
19	826	19	1ca38fd7-afc1-49af-9833-7c36d886666d	article:93fd5f4b-96fc-46ae-bb44-aa76d2e674de	1	village.knowledge.article_drafted.v1	{"content": {"body": "Threat prevention needs a valid subscription; after expiry the firewall keeps old signatures and blocks nothing new.", "tags": ["license", "threat-prevention"], "title": "Threat prevention signatures stopped updating", "audience": "public", "products": ["firewalls"], "symptoms": ["Signature version is weeks old", "Dashboard warns the subscription expired"], "resolution_steps": ["Renew the subscription", "Refresh the license from the portal", "Force a signature update"]}, "version": 1, "provider": "acme", "article_id": "93fd5f4b-96fc-46ae-bb44-aa76d2e674de", "author_party": "acme"}	{"parties": ["acme"], "provider": "acme", "actor_kind": "provider", "actor_user": "acme-user", "visibility": "restricted", "actor_party": "acme", "traceparent": "00-22f3b46ede99467153a8374f759e9a17-c29bc986ee67501a-02", "causation_id": "seed-article-firewall-license-expired-threat", "correlation_id": "0a1b8262-eea2-4ab2-9870-895f209815bc"}	2026-12-02 07:58:38.474611+00	2026-12-02 07:58:38.481807+00
21	831	21	39e092b4-456f-4e49-9e73-1014155d711b	article:c81c7b9d-3a60-499a-8ef1-3fd383757d93	1	village.knowledge.article_drafted.v1	{"content": {"body": "A cable plugged between two access ports created a loop on a switch where spanning tree was disabled. Broadcasts circulate forever and saturate every link.", "tags": ["stp", "loop", "network"], "title": "Network outage from a switching loop: spanning tree", "audience": "public", "products": ["switches"], "symptoms": ["Whole office network down", "Switch port LEDs blink in unison", "Broadcast storm"], "resolution_steps": ["Unplug the looped cable", "Enable rapid spanning tree on all switches", "Enable BPDU guard on edge ports"]}, "version": 1, "provider": "acme", "article_id": "c81c7b9d-3a60-499a-8ef1-3fd383757d93", "author_party": "acme"}	{"parties": ["acme"], "provider": "acme", "actor_kind": "provider", "actor_user": "acme-user", "visibility": "restricted", "actor_party": "acme", "traceparent": "00-410b3cd78d49eb67ea9f08029dd096c1-c215c95c81031993-02", "causation_id": "seed-article-switch-spanning-tree-loop", "correlation_id": "dc696d79-4391-479b-a9bb-cd9164f78886"}	2026-12-02 07:58:38.488344+00	2026-12-02 07:58:38.491503+00
22	833	22	ef2f8294-0d0e-4f93-b34a-314abbab267d	article:c81c7b9d-3a60-499a-8ef1-3fd383757d93	2	village.knowledge.article_published.v1	{"content": {"body": "A cable plugged between two access ports created a loop on a switch where spanning tree was disabled. Broadcasts circulate forever and saturate every link.", "tags": ["stp", "loop", "network"], "title": "Network outage from a switching loop: spanning tree", "audience": "public", "products": ["switches"], "symptoms": ["Whole office network down", "Switch port LEDs blink in unison", "Broadcast storm"], "resolution_steps": ["Unplug the looped cable", "Enable rapid spanning tree on all switches", "Enable BPDU guard on edge ports"]}, "version": 1, "provider": "acme", "article_id": "c81c7b9d-3a60-499a-8ef1-3fd383757d93", "author_party": "acme"}	{"parties": ["acme", "contoso", "initech", "northwind", "umbrella"], "provider": "acme", "actor_kind": "provider", "actor_user": "acme-user", "visibility": "shared", "actor_party": "acme", "traceparent": "00-6141373bb8fdc69e48ee72841572054b-f3681d9447317a8f-02", "correlation_id": "16477e6f-6012-420f-bfd0-fe41c43ab5e3"}	2026-12-02 07:58:38.498241+00	2026-12-02 07:58:38.501511+00
53	1038	53	baf6bf15-ea9f-5e19-8626-cc9d50a7fce8	e83e2e4f-d735-44e4-a1c0-285572c6af05	3	village.knowledge.suggestions_made.v1	{"articles": [{"rank": 4, "score": 3.6, "title": "Known defect: IKE daemon memory leak in 17.3.1 (engineering workaround)", "article_id": "a681c671-d8ed-4c8e-a4e6-c126d46665b4"}], "audience": "provider", "incident_id": "e83e2e4f-d735-44e4-a1c0-285572c6af05"}	{"parties": ["acme"], "provider": "acme", "actor_kind": "service", "actor_user": "knowledge", "visibility": "internal", "actor_party": "acme", "traceparent": "00-d551615fff83e3cea88ed011c0742052-076b7ce91d1d86a2-02"}	2026-12-02 07:58:43.146413+00	2026-12-02 07:58:43.161341+00
18	824	18	b3b8b742-f0bc-481f-8e52-746f55bf3d9d	article:ae8e967f-c366-4fa7-a91d-c75ce25e6a9a	2	village.knowledge.article_published.v1	{"content": {"body": "With TLS inspection the firewall re-signs server certificates with its own CA. Clients that do not trust that CA warn; pinned applications fail entirely.", "tags": ["tls", "certificates"], "title": "Browsers show certificate warnings after enabling SSL inspection", "audience": "public", "products": ["firewalls"], "symptoms": ["Every HTTPS site shows an untrusted certificate warning", "Some apps refuse to connect"], "resolution_steps": ["Deploy the firewall CA to clients by group policy", "Exempt pinned applications from inspection"]}, "version": 1, "provider": "acme", "article_id": "ae8e967f-c366-4fa7-a91d-c75ce25e6a9a", "author_party": "acme"}	{"parties": ["acme", "contoso", "initech", "northwind", "umbrella"], "provider": "acme", "actor_kind": "provider", "actor_user": "acme-user", "visibility": "shared", "actor_party": "acme", "traceparent": "00-0a0348149f794a826b4a7b31cfee81e0-77922a4dc2fb6198-02", "correlation_id": "3474e78a-578f-48eb-a4e6-a5c10acd7fe5"}	2026-12-02 07:58:38.466595+00	2026-12-02 07:58:38.475679+00
20	828	20	75670006-2025-49b1-a5b8-ad08b5d1c406	article:93fd5f4b-96fc-46ae-bb44-aa76d2e674de	2	village.knowledge.article_published.v1	{"content": {"body": "Threat prevention needs a valid subscription; after expiry the firewall keeps old signatures and blocks nothing new.", "tags": ["license", "threat-prevention"], "title": "Threat prevention signatures stopped updating", "audience": "public", "products": ["firewalls"], "symptoms": ["Signature version is weeks old", "Dashboard warns the subscription expired"], "resolution_steps": ["Renew the subscription", "Refresh the license from the portal", "Force a signature update"]}, "version": 1, "provider": "acme", "article_id": "93fd5f4b-96fc-46ae-bb44-aa76d2e674de", "author_party": "acme"}	{"parties": ["acme", "contoso", "initech", "northwind", "umbrella"], "provider": "acme", "actor_kind": "provider", "actor_user": "acme-user", "visibility": "shared", "actor_party": "acme", "traceparent": "00-6b98a3d0dba157588484d80a4c8475e5-e90a217d67dd9dbd-02", "correlation_id": "84eea8e3-a1fd-4fcf-9a64-1754098fc8e3"}	2026-12-02 07:58:38.480322+00	2026-12-02 07:58:38.485823+00
37	862	37	6293a29a-1a72-4ee2-88aa-590adf6a2bcf	article:39af885f-4f11-4c99-9cd8-6df161e16483	1	village.knowledge.article_drafted.v1	{"content": {"body": "Configuration archives keep the last 30 versions on the device and the backup server. A rollback replaces the running configuration atomically.", "tags": ["backup", "rollback"], "title": "Restoring a device configuration from backup", "audience": "public", "products": ["routers", "firewalls"], "symptoms": ["A bad change took a site down", "Need to roll back to last night's configuration"], "resolution_steps": ["List the archived versions", "Roll back to the chosen version", "Save and verify"]}, "version": 1, "provider": "acme", "article_id": "39af885f-4f11-4c99-9cd8-6df161e16483", "author_party": "acme"}	{"parties": ["acme"], "provider": "acme", "actor_kind": "provider", "actor_user": "acme-user", "visibility": "restricted", "actor_party": "acme", "traceparent": "00-ba7dae13b55088bc9fe723f454e0041b-077a161296e567a3-02", "causation_id": "seed-article-backup-restore-config-rollback", "correlation_id": "3badda37-3b9f-4bcc-91a7-f00d3c0a8528"}	2026-12-02 07:58:38.598223+00	2026-12-02 07:58:38.605858+00
63	1092	63	f3f46f19-8772-58a7-8784-2e693c3d54a7	e83e2e4f-d735-44e4-a1c0-285572c6af05	5	village.knowledge.incident_solved.v1	{"article_id": "3f833918-6e21-4ef8-b81e-e7c4b6d024b4", "incident_id": "e83e2e4f-d735-44e4-a1c0-285572c6af05", "resolution_code": "config-fix"}	{"parties": ["acme", "initech", "northwind"], "provider": "acme", "actor_kind": "service", "actor_user": "knowledge", "visibility": "shared", "actor_party": "knowledge", "traceparent": "00-89dddb0868d3d221567214dd7d9e691f-594789f25126c3bc-02"}	2026-12-02 07:58:43.423095+00	2026-12-02 07:58:43.428268+00
64	1092	64	c45df391-4cf6-5408-84f1-712636cbf454	article:0b2d454c-69b8-5f78-9f88-31a1451172b4	1	village.knowledge.draft_proposed.v1	{"content": {"body": "## Problem\\n\\nSite-to-site tunnel to Leeds dropped at 09:12.\\n\\n## Resolution (config-fix)\\n\\ndone\\n\\n## From the incident\\n\\n- shared note", "tags": ["config-fix"], "title": "VPN tunnel flapping", "audience": "partners", "products": ["routers"], "symptoms": ["Site-to-site tunnel to Leeds dropped at 09:12."], "resolution_steps": ["done"]}, "version": 1, "provider": "acme", "article_id": "0b2d454c-69b8-5f78-9f88-31a1451172b4", "incident_id": "e83e2e4f-d735-44e4-a1c0-285572c6af05", "author_party": "northwind", "resolution_code": "config-fix"}	{"parties": ["acme", "northwind"], "provider": "acme", "actor_kind": "service", "actor_user": "knowledge", "visibility": "restricted", "actor_party": "northwind", "traceparent": "00-89dddb0868d3d221567214dd7d9e691f-594789f25126c3bc-02"}	2026-12-02 07:58:43.424995+00	2026-12-02 07:58:43.428268+00
23	835	23	9956cb4d-c867-4ff7-82ad-432769281200	article:63046d63-ec73-4cf7-ab40-cbdc45253cbe	1	village.knowledge.article_drafted.v1	{"content": {"body": "When the stack cable is faulty the members cannot elect a single master after a reboot and the stack splits into two.", "tags": ["stack", "high-availability"], "title": "Switch stack splits after the master reboots", "audience": "public", "products": ["switches"], "symptoms": ["Half of the access ports go down", "Two switches both claim to be stack master"], "resolution_steps": ["Replace the stack cable", "Set master priority on the intended master", "Reload the standby member"]}, "version": 1, "provider": "acme", "article_id": "63046d63-ec73-4cf7-ab40-cbdc45253cbe", "author_party": "acme"}	{"parties": ["acme"], "provider": "acme", "actor_kind": "provider", "actor_user": "acme-user", "visibility": "restricted", "actor_party": "acme", "traceparent": "00-b9f9b8c81297c6ecfd71bd06423bf0f4-33d69c3789e4d0d7-02", "causation_id": "seed-article-switch-stack-master-lost", "correlation_id": "64aa22d9-46e8-4467-87cc-cad0f4f4c55a"}	2026-12-02 07:58:38.50596+00	2026-12-02 07:58:38.509091+00
24	837	24	09688ec0-fe02-4784-baef-0d1e14e9e4cf	article:63046d63-ec73-4cf7-ab40-cbdc45253cbe	2	village.knowledge.article_published.v1	{"content": {"body": "When the stack cable is faulty the members cannot elect a single master after a reboot and the stack splits into two.", "tags": ["stack", "high-availability"], "title": "Switch stack splits after the master reboots", "audience": "public", "products": ["switches"], "symptoms": ["Half of the access ports go down", "Two switches both claim to be stack master"], "resolution_steps": ["Replace the stack cable", "Set master priority on the intended master", "Reload the standby member"]}, "version": 1, "provider": "acme", "article_id": "63046d63-ec73-4cf7-ab40-cbdc45253cbe", "author_party": "acme"}	{"parties": ["acme", "contoso", "initech", "northwind", "umbrella"], "provider": "acme", "actor_kind": "provider", "actor_user": "acme-user", "visibility": "shared", "actor_party": "acme", "traceparent": "00-93089735591bc750890ad0a1345e6ad4-40e165bc25225452-02", "correlation_id": "d743b6e0-38a9-46f7-b1e1-26c28c15ff96"}	2026-12-02 07:58:38.511539+00	2026-12-02 07:58:38.514855+00
25	839	25	7d6b3bc4-7d5a-4165-b619-cd4fac81b369	article:ecfbcdfd-0f9c-4cf5-9302-a822893ac4bc	1	village.knowledge.article_drafted.v1	{"content": {"body": "The switch power supply cannot feed every powered device at its class maximum; ports beyond the budget are denied power.", "tags": ["poe", "power"], "title": "Access points and phones lose power: PoE budget exceeded", "audience": "public", "products": ["switches"], "symptoms": ["New access points do not power up", "IP phones reboot randomly"], "resolution_steps": ["Check the PoE budget on the switch", "Set port priorities for critical devices", "Add a second power supply"]}, "version": 1, "provider": "acme", "article_id": "ecfbcdfd-0f9c-4cf5-9302-a822893ac4bc", "author_party": "acme"}	{"parties": ["acme"], "provider": "acme", "actor_kind": "provider", "actor_user": "acme-user", "visibility": "restricted", "actor_party": "acme", "traceparent": "00-295be213b1043f7200d9c5356f1d4ed5-76f66a6c7081ac9d-02", "causation_id": "seed-article-poe-budget-exceeded", "correlation_id": "9b7e4202-8b99-4865-90ed-f4fa9708bd3f"}	2026-12-02 07:58:38.519064+00	2026-12-02 07:58:38.523267+00
26	841	26	76ca207b-aa03-4493-a328-9bbb071ca526	article:ecfbcdfd-0f9c-4cf5-9302-a822893ac4bc	2	village.knowledge.article_published.v1	{"content": {"body": "The switch power supply cannot feed every powered device at its class maximum; ports beyond the budget are denied power.", "tags": ["poe", "power"], "title": "Access points and phones lose power: PoE budget exceeded", "audience": "public", "products": ["switches"], "symptoms": ["New access points do not power up", "IP phones reboot randomly"], "resolution_steps": ["Check the PoE budget on the switch", "Set port priorities for critical devices", "Add a second power supply"]}, "version": 1, "provider": "acme", "article_id": "ecfbcdfd-0f9c-4cf5-9302-a822893ac4bc", "author_party": "acme"}	{"parties": ["acme", "contoso", "initech", "northwind", "umbrella"], "provider": "acme", "actor_kind": "provider", "actor_user": "acme-user", "visibility": "shared", "actor_party": "acme", "traceparent": "00-4ad1a7c3f0f0166762c0b747bd226d5c-58054b801704762b-02", "correlation_id": "7b7f4431-90ba-45b9-9547-8988471ffec5"}	2026-12-02 07:58:38.525812+00	2026-12-02 07:58:38.5291+00
27	843	27	9bf3b4cf-9abe-425f-b14e-84934924f292	article:4f8ec9b5-9385-4812-8c54-bde085514187	1	village.knowledge.article_drafted.v1	{"content": {"body": "Without fast roaming (802.11r) clients do a full reauthentication at each access point, which takes too long for voice.", "tags": ["wireless", "roaming"], "title": "Wi-Fi calls drop when walking between access points", "audience": "public", "products": ["wifi"], "symptoms": ["Voice calls drop when moving around the office", "Laptops stick to a far access point"], "resolution_steps": ["Enable 802.11r fast transition", "Lower the minimum basic rate", "Tune transmit power"]}, "version": 1, "provider": "acme", "article_id": "4f8ec9b5-9385-4812-8c54-bde085514187", "author_party": "acme"}	{"parties": ["acme"], "provider": "acme", "actor_kind": "provider", "actor_user": "acme-user", "visibility": "restricted", "actor_party": "acme", "traceparent": "00-3bf0e9f9f6ad4cb231c84eb217d0b186-f91b8f422b156ce8-02", "causation_id": "seed-article-wifi-roaming-drops", "correlation_id": "ed6bb652-bd6e-498e-a48b-a145ec3e8ab2"}	2026-12-02 07:58:38.533391+00	2026-12-02 07:58:38.536448+00
28	845	28	e097d378-fb18-456d-a84c-1ba8acf38e2d	article:4f8ec9b5-9385-4812-8c54-bde085514187	2	village.knowledge.article_published.v1	{"content": {"body": "Without fast roaming (802.11r) clients do a full reauthentication at each access point, which takes too long for voice.", "tags": ["wireless", "roaming"], "title": "Wi-Fi calls drop when walking between access points", "audience": "public", "products": ["wifi"], "symptoms": ["Voice calls drop when moving around the office", "Laptops stick to a far access point"], "resolution_steps": ["Enable 802.11r fast transition", "Lower the minimum basic rate", "Tune transmit power"]}, "version": 1, "provider": "acme", "article_id": "4f8ec9b5-9385-4812-8c54-bde085514187", "author_party": "acme"}	{"parties": ["acme", "contoso", "initech", "northwind", "umbrella"], "provider": "acme", "actor_kind": "provider", "actor_user": "acme-user", "visibility": "shared", "actor_party": "acme", "traceparent": "00-444e4181f477e8aaa09b1287113dd8fb-a860c2ca7b861e68-02", "correlation_id": "6f0b3faf-2fc0-48be-9ae3-c5b79b29c4b0"}	2026-12-02 07:58:38.539012+00	2026-12-02 07:58:38.542188+00
29	847	29	ccdec305-bc8d-473f-9226-22064a6140d9	article:7469e69a-71d1-4c09-b7b4-2eb4f1e461a0	1	village.knowledge.article_drafted.v1	{"content": {"body": "The identity provider and the appliance disagree about the time. A SAML assertion issued a few seconds in the future is rejected.", "tags": ["saml", "authentication", "login"], "title": "SSO login fails with SAML assertion not yet valid", "audience": "public", "products": ["sso"], "symptoms": ["Users cannot log in through single sign-on", "Error: assertion is not yet valid"], "resolution_steps": ["Point both at the same NTP servers", "Allow 120 s clock skew", "Retry the login"]}, "version": 1, "provider": "acme", "article_id": "7469e69a-71d1-4c09-b7b4-2eb4f1e461a0", "author_party": "acme"}	{"parties": ["acme"], "provider": "acme", "actor_kind": "provider", "actor_user": "acme-user", "visibility": "restricted", "actor_party": "acme", "traceparent": "00-5766f3c51c6251fa6361b9b9580db646-4f8b98ef8e839cb0-02", "causation_id": "seed-article-sso-saml-clock-skew", "correlation_id": "e624a00b-77d0-4359-9de4-d79235c80cc3"}	2026-12-02 07:58:38.546316+00	2026-12-02 07:58:38.549955+00
30	849	30	c39c1541-9759-4be4-b01a-e6e1ada34ea0	article:7469e69a-71d1-4c09-b7b4-2eb4f1e461a0	2	village.knowledge.article_published.v1	{"content": {"body": "The identity provider and the appliance disagree about the time. A SAML assertion issued a few seconds in the future is rejected.", "tags": ["saml", "authentication", "login"], "title": "SSO login fails with SAML assertion not yet valid", "audience": "public", "products": ["sso"], "symptoms": ["Users cannot log in through single sign-on", "Error: assertion is not yet valid"], "resolution_steps": ["Point both at the same NTP servers", "Allow 120 s clock skew", "Retry the login"]}, "version": 1, "provider": "acme", "article_id": "7469e69a-71d1-4c09-b7b4-2eb4f1e461a0", "author_party": "acme"}	{"parties": ["acme", "contoso", "initech", "northwind", "umbrella"], "provider": "acme", "actor_kind": "provider", "actor_user": "acme-user", "visibility": "shared", "actor_party": "acme", "traceparent": "00-dbfe5dad02e5c897b6a912ddb58ffb0d-b1343da6e35e48d8-02", "correlation_id": "2d1ccc4d-f894-416e-827d-f60c27b5af88"}	2026-12-02 07:58:38.552663+00	2026-12-02 07:58:38.555893+00
31	851	31	81ca449f-6884-483a-b6db-8512e63d8b3a	article:24f7dd8f-a71d-4061-a8c6-59b420920367	1	village.knowledge.article_drafted.v1	{"content": {"body": "The identity provider rolled over its SAML signing certificate and the appliance still trusts only the old one.", "tags": ["saml", "certificates", "login"], "title": "Single sign-on stops working after the identity provider rotated its signing certificate", "audience": "public", "products": ["sso"], "symptoms": ["All SSO logins fail on the same morning", "Signature validation failed in the log"], "resolution_steps": ["Import the new IdP metadata", "Enable automatic metadata refresh"]}, "version": 1, "provider": "acme", "article_id": "24f7dd8f-a71d-4061-a8c6-59b420920367", "author_party": "acme"}	{"parties": ["acme"], "provider": "acme", "actor_kind": "provider", "actor_user": "acme-user", "visibility": "restricted", "actor_party": "acme", "traceparent": "00-2ac9abd59222becde236b4bd93de5261-82735d8ccc93419a-02", "causation_id": "seed-article-sso-certificate-rollover", "correlation_id": "c70a4d5d-7ecf-4629-81c0-3a28a804e71d"}	2026-12-02 07:58:38.560061+00	2026-12-02 07:58:38.563214+00
32	853	32	b20b30ec-d80c-4fac-b117-43c64a306ebc	article:24f7dd8f-a71d-4061-a8c6-59b420920367	2	village.knowledge.article_published.v1	{"content": {"body": "The identity provider rolled over its SAML signing certificate and the appliance still trusts only the old one.", "tags": ["saml", "certificates", "login"], "title": "Single sign-on stops working after the identity provider rotated its signing certificate", "audience": "public", "products": ["sso"], "symptoms": ["All SSO logins fail on the same morning", "Signature validation failed in the log"], "resolution_steps": ["Import the new IdP metadata", "Enable automatic metadata refresh"]}, "version": 1, "provider": "acme", "article_id": "24f7dd8f-a71d-4061-a8c6-59b420920367", "author_party": "acme"}	{"parties": ["acme", "contoso", "initech", "northwind", "umbrella"], "provider": "acme", "actor_kind": "provider", "actor_user": "acme-user", "visibility": "shared", "actor_party": "acme", "traceparent": "00-5b8883927ee2f4279cc67f48d59e8aed-84c7e14fd4e9e7d6-02", "correlation_id": "d1ab534b-f300-49da-9502-dbe12996f1b0"}	2026-12-02 07:58:38.565784+00	2026-12-02 07:58:38.568876+00
33	855	33	e8450ebb-19f8-497f-99d9-dead0e9d3682	article:984f3a35-0326-466e-ba4f-92bfaccb81ef	1	village.knowledge.article_drafted.v1	{"content": {"body": "The administrator's authenticator was reset. Local break-glass accounts are exempt from MFA for exactly this case.", "tags": ["mfa", "authentication"], "title": "Administrator locked out after losing the MFA token", "audience": "public", "products": ["sso"], "symptoms": ["Admin cannot log in to the management console", "MFA code rejected"], "resolution_steps": ["Log in with the break-glass account", "Reset the admin's MFA enrolment", "Rotate the break-glass password"]}, "version": 1, "provider": "acme", "article_id": "984f3a35-0326-466e-ba4f-92bfaccb81ef", "author_party": "acme"}	{"parties": ["acme"], "provider": "acme", "actor_kind": "provider", "actor_user": "acme-user", "visibility": "restricted", "actor_party": "acme", "traceparent": "00-af8737005eed1d16c7165e1166bc5d9f-57c9cfef279aede0-02", "causation_id": "seed-article-admin-mfa-lockout", "correlation_id": "57491050-5c04-4600-8180-577d9e43c036"}	2026-12-02 07:58:38.572824+00	2026-12-02 07:58:38.575947+00
34	857	34	662950db-2d96-43a2-baba-74cd75bb5ed5	article:984f3a35-0326-466e-ba4f-92bfaccb81ef	2	village.knowledge.article_published.v1	{"content": {"body": "The administrator's authenticator was reset. Local break-glass accounts are exempt from MFA for exactly this case.", "tags": ["mfa", "authentication"], "title": "Administrator locked out after losing the MFA token", "audience": "public", "products": ["sso"], "symptoms": ["Admin cannot log in to the management console", "MFA code rejected"], "resolution_steps": ["Log in with the break-glass account", "Reset the admin's MFA enrolment", "Rotate the break-glass password"]}, "version": 1, "provider": "acme", "article_id": "984f3a35-0326-466e-ba4f-92bfaccb81ef", "author_party": "acme"}	{"parties": ["acme", "contoso", "initech", "northwind", "umbrella"], "provider": "acme", "actor_kind": "provider", "actor_user": "acme-user", "visibility": "shared", "actor_party": "acme", "traceparent": "00-edd0d0bfe0fde94640ecfdbd425817fe-b2290d8e6435963b-02", "correlation_id": "21adc08a-a1fa-4c70-9256-b01cee461f17"}	2026-12-02 07:58:38.578412+00	2026-12-02 07:58:38.581528+00
35	859	35	43f7cc68-3f2b-4339-988f-3f42ba290a87	article:0e8805da-dbcc-430d-a3b2-0b7d1d3dc24d	1	village.knowledge.article_drafted.v1	{"content": {"body": "The backup account's password was rotated on the devices but not in the backup job, or SCP is disabled after hardening.", "tags": ["backup", "configuration"], "title": "Nightly configuration backup job fails with authentication error", "audience": "public", "products": ["routers", "firewalls"], "symptoms": ["Backup job report shows failed devices", "Authentication failed over SCP"], "resolution_steps": ["Update the backup credentials", "Enable SCP for the backup account", "Run the job by hand"]}, "version": 1, "provider": "acme", "article_id": "0e8805da-dbcc-430d-a3b2-0b7d1d3dc24d", "author_party": "acme"}	{"parties": ["acme"], "provider": "acme", "actor_kind": "provider", "actor_user": "acme-user", "visibility": "restricted", "actor_party": "acme", "traceparent": "00-728bdadbe12ddce54e2e4dd6ba7261b6-a6110229bb0cc312-02", "causation_id": "seed-article-backup-config-job-fails", "correlation_id": "cc546479-8b60-43c0-ae74-d2089329ed20"}	2026-12-02 07:58:38.585822+00	2026-12-02 07:58:38.588854+00
36	861	36	b946fc67-fd66-40b5-97bc-0f557deadc7d	article:0e8805da-dbcc-430d-a3b2-0b7d1d3dc24d	2	village.knowledge.article_published.v1	{"content": {"body": "The backup account's password was rotated on the devices but not in the backup job, or SCP is disabled after hardening.", "tags": ["backup", "configuration"], "title": "Nightly configuration backup job fails with authentication error", "audience": "public", "products": ["routers", "firewalls"], "symptoms": ["Backup job report shows failed devices", "Authentication failed over SCP"], "resolution_steps": ["Update the backup credentials", "Enable SCP for the backup account", "Run the job by hand"]}, "version": 1, "provider": "acme", "article_id": "0e8805da-dbcc-430d-a3b2-0b7d1d3dc24d", "author_party": "acme"}	{"parties": ["acme", "contoso", "initech", "northwind", "umbrella"], "provider": "acme", "actor_kind": "provider", "actor_user": "acme-user", "visibility": "shared", "actor_party": "acme", "traceparent": "00-615e34055811015809121c03dc9a5413-00dc9f1efc1fb30a-02", "correlation_id": "2fde56fd-7428-497d-8cd8-e7d5b497c2c0"}	2026-12-02 07:58:38.591364+00	2026-12-02 07:58:38.598481+00
38	864	38	7e4fa550-7424-4ff1-bb04-c3e933f04326	article:39af885f-4f11-4c99-9cd8-6df161e16483	2	village.knowledge.article_published.v1	{"content": {"body": "Configuration archives keep the last 30 versions on the device and the backup server. A rollback replaces the running configuration atomically.", "tags": ["backup", "rollback"], "title": "Restoring a device configuration from backup", "audience": "public", "products": ["routers", "firewalls"], "symptoms": ["A bad change took a site down", "Need to roll back to last night's configuration"], "resolution_steps": ["List the archived versions", "Roll back to the chosen version", "Save and verify"]}, "version": 1, "provider": "acme", "article_id": "39af885f-4f11-4c99-9cd8-6df161e16483", "author_party": "acme"}	{"parties": ["acme", "contoso", "initech", "northwind", "umbrella"], "provider": "acme", "actor_kind": "provider", "actor_user": "acme-user", "visibility": "shared", "actor_party": "acme", "traceparent": "00-11b6e9ca2aaf2cbac3b0cd27a546ed73-5e2b409a2dfb90a4-02", "correlation_id": "c796c70b-5d99-4513-9166-648bb2bc2cd7"}	2026-12-02 07:58:38.603836+00	2026-12-02 07:58:38.611452+00
39	867	39	ed390f97-17cf-40d4-9a24-be0dae495f50	article:462b1e6e-cefb-4e40-8894-40bbb51997f7	1	village.knowledge.article_drafted.v1	{"content": {"body": "The branch router's DHCP pool is too small for the number of devices and the lease time is a week.", "tags": ["dhcp", "addressing"], "title": "New devices get no IP address: DHCP scope exhausted", "audience": "public", "products": ["routers"], "symptoms": ["Laptops show a self-assigned 169.254 address", "DHCP pool utilisation at 100 percent"], "resolution_steps": ["Enlarge the pool", "Shorten the lease time to 8 hours", "Clear stale bindings"]}, "version": 1, "provider": "acme", "article_id": "462b1e6e-cefb-4e40-8894-40bbb51997f7", "author_party": "acme"}	{"parties": ["acme"], "provider": "acme", "actor_kind": "provider", "actor_user": "acme-user", "visibility": "restricted", "actor_party": "acme", "traceparent": "00-023326b8be38ca8e8948d53f3bca900f-e4100c781bb00014-02", "causation_id": "seed-article-dhcp-scope-exhausted", "correlation_id": "23b2949e-7287-41a5-acba-d87bac4bb5ec"}	2026-12-02 07:58:38.61179+00	2026-12-02 07:58:38.619151+00
40	868	40	d1a5cea7-0f9c-456f-9f63-e9a75c749786	article:462b1e6e-cefb-4e40-8894-40bbb51997f7	2	village.knowledge.article_published.v1	{"content": {"body": "The branch router's DHCP pool is too small for the number of devices and the lease time is a week.", "tags": ["dhcp", "addressing"], "title": "New devices get no IP address: DHCP scope exhausted", "audience": "public", "products": ["routers"], "symptoms": ["Laptops show a self-assigned 169.254 address", "DHCP pool utilisation at 100 percent"], "resolution_steps": ["Enlarge the pool", "Shorten the lease time to 8 hours", "Clear stale bindings"]}, "version": 1, "provider": "acme", "article_id": "462b1e6e-cefb-4e40-8894-40bbb51997f7", "author_party": "acme"}	{"parties": ["acme", "contoso", "initech", "northwind", "umbrella"], "provider": "acme", "actor_kind": "provider", "actor_user": "acme-user", "visibility": "shared", "actor_party": "acme", "traceparent": "00-fc03f8396aa0598b9b31bc50031c4a6d-3e82de932151f7c9-02", "correlation_id": "d64503bd-e429-471a-881e-904bb1e10752"}	2026-12-02 07:58:38.617088+00	2026-12-02 07:58:38.626061+00
42	872	42	e9c0aac3-b008-46e0-93e4-bb5ac7ab4f4e	article:8069a896-c05f-4370-a5c4-d379b51ed0ab	2	village.knowledge.article_published.v1	{"content": {"body": "The router forwards DNS to a resolver over the VPN that is overloaded; the first resolver times out before the second is tried.", "tags": ["dns", "performance"], "title": "Web browsing slow at the branch: DNS lookups time out", "audience": "public", "products": ["routers"], "symptoms": ["Pages take seconds to start loading", "nslookup times out on the first try"], "resolution_steps": ["Use a local resolver", "Enable DNS caching on the router", "Lower the resolver timeout"]}, "version": 1, "provider": "acme", "article_id": "8069a896-c05f-4370-a5c4-d379b51ed0ab", "author_party": "acme"}	{"parties": ["acme", "contoso", "initech", "northwind", "umbrella"], "provider": "acme", "actor_kind": "provider", "actor_user": "acme-user", "visibility": "shared", "actor_party": "acme", "traceparent": "00-f73ed5e17c4dd224640e057623e429bd-e36ef89856cc6d13-02", "correlation_id": "c3fee0c8-e789-4d45-86f0-8440ae153d16"}	2026-12-02 07:58:38.630427+00	2026-12-02 07:58:38.637585+00
45	878	45	e6faf40d-7089-4ab1-80be-e31324c8e488	article:b7911546-6410-46cd-9cff-a68abe509103	3	village.knowledge.article_published.v1	{"content": {"body": "Northwind's checklist for installing a branch in one visit: pre-staged configuration, VPN test from the depot, VLAN and PoE check on site, and a handover test call.", "tags": ["rollout", "best-practice"], "title": "Branch rollout checklist: router, switch and VPN in one visit", "audience": "partners", "products": ["routers", "switches"], "symptoms": ["Repeat site visits after a branch go-live", "Tunnels and VLANs missing after installation"], "resolution_steps": ["Pre-stage the router configuration", "Test the VPN from the depot", "Check VLANs and PoE on site"]}, "version": 1, "provider": "acme", "article_id": "b7911546-6410-46cd-9cff-a68abe509103", "author_party": "northwind"}	{"parties": ["acme", "contoso", "northwind"], "provider": "acme", "actor_kind": "provider", "actor_user": "acme-user", "visibility": "restricted", "actor_party": "acme", "traceparent": "00-4c83f659374e1246256e4060adb7d70f-0323f45a4aff5f79-02", "correlation_id": "c5858694-ab4d-4e65-94bd-3094f11b2c3d"}	2026-12-02 07:58:38.648199+00	2026-12-02 07:58:38.654341+00
41	870	41	4f4e681c-32ed-49a9-9645-920503cc4b52	article:8069a896-c05f-4370-a5c4-d379b51ed0ab	1	village.knowledge.article_drafted.v1	{"content": {"body": "The router forwards DNS to a resolver over the VPN that is overloaded; the first resolver times out before the second is tried.", "tags": ["dns", "performance"], "title": "Web browsing slow at the branch: DNS lookups time out", "audience": "public", "products": ["routers"], "symptoms": ["Pages take seconds to start loading", "nslookup times out on the first try"], "resolution_steps": ["Use a local resolver", "Enable DNS caching on the router", "Lower the resolver timeout"]}, "version": 1, "provider": "acme", "article_id": "8069a896-c05f-4370-a5c4-d379b51ed0ab", "author_party": "acme"}	{"parties": ["acme"], "provider": "acme", "actor_kind": "provider", "actor_user": "acme-user", "visibility": "restricted", "actor_party": "acme", "traceparent": "00-bad55aef7a1bb43551055ceeba883798-6ec41c84a1195fa4-02", "causation_id": "seed-article-dns-resolution-slow", "correlation_id": "afaa4d98-c700-4c4e-83af-727559b950aa"}	2026-12-02 07:58:38.624269+00	2026-12-02 07:58:38.631739+00
43	875	43	d74b8ddd-6091-4773-99f5-abe590043042	article:b7911546-6410-46cd-9cff-a68abe509103	1	village.knowledge.article_drafted.v1	{"content": {"body": "Northwind's checklist for installing a branch in one visit: pre-staged configuration, VPN test from the depot, VLAN and PoE check on site, and a handover test call.", "tags": ["rollout", "best-practice"], "title": "Branch rollout checklist: router, switch and VPN in one visit", "audience": "partners", "products": ["routers", "switches"], "symptoms": ["Repeat site visits after a branch go-live", "Tunnels and VLANs missing after installation"], "resolution_steps": ["Pre-stage the router configuration", "Test the VPN from the depot", "Check VLANs and PoE on site"]}, "version": 1, "provider": "acme", "article_id": "b7911546-6410-46cd-9cff-a68abe509103", "author_party": "northwind"}	{"parties": ["acme", "northwind"], "provider": "acme", "actor_kind": "partner", "actor_user": "northwind-user", "visibility": "restricted", "actor_party": "northwind", "traceparent": "00-d8f5bae512f14e52cd112b2215208583-d252e6f8632d646b-02", "causation_id": "seed-article-nw-branch-rollout-checklist", "correlation_id": "47d36e66-9c89-45ae-99f7-8fc801a454b5"}	2026-12-02 07:58:38.637926+00	2026-12-02 07:58:38.64477+00
44	876	44	ab6ca105-5ee7-4d94-88b8-46957e1fba68	article:b7911546-6410-46cd-9cff-a68abe509103	2	village.knowledge.article_submitted.v1	{"version": 1, "article_id": "b7911546-6410-46cd-9cff-a68abe509103"}	{"parties": ["acme", "northwind"], "provider": "acme", "actor_kind": "partner", "actor_user": "northwind-user", "visibility": "restricted", "actor_party": "northwind", "traceparent": "00-fe95b584bb2a8654178d62597c15c929-7d7faa07be8458b8-02", "correlation_id": "994c38d6-a1c9-476a-9bf4-ef606c107ecc"}	2026-12-02 07:58:38.6429+00	2026-12-02 07:58:38.65027+00
46	881	46	bb916936-15b0-4451-8711-dd7abdd371b2	article:c757f978-aa36-433c-9897-a417098581b8	1	village.knowledge.article_drafted.v1	{"content": {"body": "Upgrade the standby first, fail over, then upgrade the former active. Check session synchronisation before each failover.", "tags": ["firmware", "upgrade", "best-practice"], "title": "Upgrading a firewall cluster without downtime", "audience": "partners", "products": ["firewalls"], "symptoms": ["Customers need firmware upgrades without an outage"], "resolution_steps": ["Upgrade the standby member", "Fail over and verify sessions", "Upgrade the other member"]}, "version": 1, "provider": "acme", "article_id": "c757f978-aa36-433c-9897-a417098581b8", "author_party": "northwind"}	{"parties": ["acme", "northwind"], "provider": "acme", "actor_kind": "partner", "actor_user": "northwind-user", "visibility": "restricted", "actor_party": "northwind", "traceparent": "00-9230d4700b874475a273f0c4484d6f32-62822ef3a25ff5c1-02", "causation_id": "seed-article-nw-firewall-upgrade-window", "correlation_id": "4b69b640-b23a-4cb0-a984-a37714314d9f"}	2026-12-02 07:58:38.656331+00	2026-12-02 07:58:38.662767+00
47	883	47	af5233ba-a7f6-44d6-908d-1825275a522f	article:c757f978-aa36-433c-9897-a417098581b8	2	village.knowledge.article_submitted.v1	{"version": 1, "article_id": "c757f978-aa36-433c-9897-a417098581b8"}	{"parties": ["acme", "northwind"], "provider": "acme", "actor_kind": "partner", "actor_user": "northwind-user", "visibility": "restricted", "actor_party": "northwind", "traceparent": "00-7eadc5b3f4d39e4cc81a02a3fa84b00d-c4e90b42a9b90d79-02", "correlation_id": "174124aa-0e3b-4ea6-b540-1413dc619718"}	2026-12-02 07:58:38.665309+00	2026-12-02 07:58:38.671265+00
48	884	48	289387be-d181-4e06-9a3a-a8374dc3450c	article:c757f978-aa36-433c-9897-a417098581b8	3	village.knowledge.article_published.v1	{"content": {"body": "Upgrade the standby first, fail over, then upgrade the former active. Check session synchronisation before each failover.", "tags": ["firmware", "upgrade", "best-practice"], "title": "Upgrading a firewall cluster without downtime", "audience": "partners", "products": ["firewalls"], "symptoms": ["Customers need firmware upgrades without an outage"], "resolution_steps": ["Upgrade the standby member", "Fail over and verify sessions", "Upgrade the other member"]}, "version": 1, "provider": "acme", "article_id": "c757f978-aa36-433c-9897-a417098581b8", "author_party": "northwind"}	{"parties": ["acme", "contoso", "northwind"], "provider": "acme", "actor_kind": "provider", "actor_user": "acme-user", "visibility": "restricted", "actor_party": "acme", "traceparent": "00-821eb76904ff58899958984ec3a3482c-9846e2194b8f38b5-02", "correlation_id": "0dd43079-b3f9-433a-a515-6979155d02d2"}	2026-12-02 07:58:38.669877+00	2026-12-02 07:58:38.674889+00
49	887	49	caee31fc-61bb-46b0-bf1e-33a32d1d601d	article:3b6a4161-7976-41c4-ac02-04d76fce3719	1	village.knowledge.article_drafted.v1	{"content": {"body": "The tracked object that watches the primary link pings the local gateway, which stays up when the fibre fails further upstream.", "tags": ["lte", "wan", "failover"], "title": "LTE backup link does not take over when the fibre fails", "audience": "public", "products": ["routers"], "symptoms": ["Branch offline although the LTE modem has signal", "Default route still points at the fibre"], "resolution_steps": ["Track an address beyond the ISP", "Check the floating static route's distance", "Test by unplugging"]}, "version": 1, "provider": "acme", "article_id": "3b6a4161-7976-41c4-ac02-04d76fce3719", "author_party": "acme"}	{"parties": ["acme"], "provider": "acme", "actor_kind": "provider", "actor_user": "acme-user", "visibility": "restricted", "actor_party": "acme", "traceparent": "00-a08c0f8a31ef4ecebc6c6c39819e4c6e-f56bb2555f6faf0c-02", "causation_id": "seed-article-lte-backup-link-failover", "correlation_id": "a9844ae3-291e-4f78-9c74-9ef7029f55aa"}	2026-12-02 07:58:38.678038+00	2026-12-02 07:58:38.680931+00
50	889	50	153feaf3-eafb-4bbd-9887-2fa2d238f763	article:3b6a4161-7976-41c4-ac02-04d76fce3719	2	village.knowledge.article_published.v1	{"content": {"body": "The tracked object that watches the primary link pings the local gateway, which stays up when the fibre fails further upstream.", "tags": ["lte", "wan", "failover"], "title": "LTE backup link does not take over when the fibre fails", "audience": "public", "products": ["routers"], "symptoms": ["Branch offline although the LTE modem has signal", "Default route still points at the fibre"], "resolution_steps": ["Track an address beyond the ISP", "Check the floating static route's distance", "Test by unplugging"]}, "version": 1, "provider": "acme", "article_id": "3b6a4161-7976-41c4-ac02-04d76fce3719", "author_party": "acme"}	{"parties": ["acme", "contoso", "initech", "northwind", "umbrella"], "provider": "acme", "actor_kind": "provider", "actor_user": "acme-user", "visibility": "shared", "actor_party": "acme", "traceparent": "00-a63948c64a600677e09b9477c47f71df-98a71a8abd5f29e5-02", "correlation_id": "0820f802-54fc-45fa-a122-ad2ce64bb6d8"}	2026-12-02 07:58:38.683731+00	2026-12-02 07:58:38.686788+00
58	1059	58	388cd6f9-5c66-5e50-bf06-820f3875bc58	20dd4880-f1ff-4553-93aa-dfa0bb3a85e7	1	village.knowledge.suggestions_made.v1	{"articles": [{"rank": 1, "score": 6.0, "title": "IPsec tunnel flaps every few minutes after a firmware upgrade", "article_id": "3f833918-6e21-4ef8-b81e-e7c4b6d024b4"}, {"rank": 3, "score": 3.6, "title": "Router CPU at 100 percent after upgrading to 17.3", "article_id": "931989ab-f7ee-43f8-9fc8-de0df66b9f98"}, {"rank": 5, "score": 0.8, "title": "Restoring a device configuration from backup", "article_id": "39af885f-4f11-4c99-9cd8-6df161e16483"}], "audience": "public", "incident_id": "20dd4880-f1ff-4553-93aa-dfa0bb3a85e7"}	{"parties": ["acme", "initech", "northwind"], "provider": "acme", "actor_kind": "service", "actor_user": "knowledge", "visibility": "shared", "actor_party": "knowledge", "traceparent": "00-ff3756697341c0ef2065fadc5bce458d-2fe21e5f5d6d7014-02"}	2026-12-02 07:58:43.288791+00	2026-12-02 07:58:43.304674+00
60	1059	60	3d304a50-abc2-5b11-8fb2-bff780ed5b02	20dd4880-f1ff-4553-93aa-dfa0bb3a85e7	3	village.knowledge.suggestions_made.v1	{"articles": [{"rank": 4, "score": 2.8, "title": "Known defect: IKE daemon memory leak in 17.3.1 (engineering workaround)", "article_id": "a681c671-d8ed-4c8e-a4e6-c126d46665b4"}], "audience": "provider", "incident_id": "20dd4880-f1ff-4553-93aa-dfa0bb3a85e7"}	{"parties": ["acme"], "provider": "acme", "actor_kind": "service", "actor_user": "knowledge", "visibility": "internal", "actor_party": "acme", "traceparent": "00-ff3756697341c0ef2065fadc5bce458d-2fe21e5f5d6d7014-02"}	2026-12-02 07:58:43.288791+00	2026-12-02 07:58:43.304674+00
62	1091	62	4a16b22b-dadf-5199-89d5-416b31b95340	article:00413949-f258-5e8a-933e-d24e986f86cd	1	village.knowledge.draft_proposed.v1	{"content": {"body": "## Problem\\n\\nSite-to-site tunnel to Leeds dropped at 09:12.\\n\\n## Resolution (config-fix)\\n\\ndone\\n\\n## From the incident\\n\\n- shared note\\n- logs attached", "tags": ["config-fix"], "title": "Slow VPN", "audience": "partners", "products": ["routers"], "symptoms": ["Site-to-site tunnel to Leeds dropped at 09:12."], "resolution_steps": ["done"]}, "version": 1, "provider": "acme", "article_id": "00413949-f258-5e8a-933e-d24e986f86cd", "incident_id": "4d1d5197-d460-416c-b801-4540f4b5c79f", "author_party": "contoso", "resolution_code": "config-fix"}	{"parties": ["acme", "contoso"], "provider": "acme", "actor_kind": "service", "actor_user": "knowledge", "visibility": "restricted", "actor_party": "contoso", "traceparent": "00-e8697f8037bdbd3b929981561d955d7f-f1118bca0331710d-02"}	2026-12-02 07:58:43.416358+00	2026-12-02 07:58:43.421193+00
51	1038	51	33121933-7503-57d2-a814-282f42ba298a	e83e2e4f-d735-44e4-a1c0-285572c6af05	1	village.knowledge.suggestions_made.v1	{"articles": [{"rank": 1, "score": 10.0, "title": "IPsec tunnel flaps every few minutes after a firmware upgrade", "article_id": "3f833918-6e21-4ef8-b81e-e7c4b6d024b4"}, {"rank": 3, "score": 4.8, "title": "Slow file transfers and stalled web pages over the branch VPN", "article_id": "0f1f843a-85a1-4cb2-9c4d-3ca86c96e531"}, {"rank": 5, "score": 3.6, "title": "Router CPU at 100 percent after upgrading to 17.3", "article_id": "931989ab-f7ee-43f8-9fc8-de0df66b9f98"}], "audience": "public", "incident_id": "e83e2e4f-d735-44e4-a1c0-285572c6af05"}	{"parties": ["acme", "initech", "northwind"], "provider": "acme", "actor_kind": "service", "actor_user": "knowledge", "visibility": "shared", "actor_party": "knowledge", "traceparent": "00-d551615fff83e3cea88ed011c0742052-076b7ce91d1d86a2-02"}	2026-12-02 07:58:43.146413+00	2026-12-02 07:58:43.161341+00
52	1038	52	555a3149-1a26-5872-80bb-05602818bc67	e83e2e4f-d735-44e4-a1c0-285572c6af05	2	village.knowledge.suggestions_made.v1	{"articles": [{"rank": 2, "score": 7.6, "title": "Branch rollout checklist: router, switch and VPN in one visit", "article_id": "b7911546-6410-46cd-9cff-a68abe509103"}], "audience": "partners", "incident_id": "e83e2e4f-d735-44e4-a1c0-285572c6af05"}	{"parties": ["acme", "northwind"], "provider": "acme", "actor_kind": "service", "actor_user": "knowledge", "visibility": "restricted", "actor_party": "knowledge", "traceparent": "00-d551615fff83e3cea88ed011c0742052-076b7ce91d1d86a2-02"}	2026-12-02 07:58:43.146413+00	2026-12-02 07:58:43.161341+00
54	1047	54	a1922017-a9c6-5723-a9b0-fb6fc229e79d	4d1d5197-d460-416c-b801-4540f4b5c79f	1	village.knowledge.suggestions_made.v1	{"articles": [{"rank": 1, "score": 7.6, "title": "IPsec tunnel flaps every few minutes after a firmware upgrade", "article_id": "3f833918-6e21-4ef8-b81e-e7c4b6d024b4"}, {"rank": 3, "score": 6.8, "title": "Slow file transfers and stalled web pages over the branch VPN", "article_id": "0f1f843a-85a1-4cb2-9c4d-3ca86c96e531"}, {"rank": 4, "score": 4.4, "title": "Router CPU at 100 percent after upgrading to 17.3", "article_id": "931989ab-f7ee-43f8-9fc8-de0df66b9f98"}], "audience": "public", "incident_id": "4d1d5197-d460-416c-b801-4540f4b5c79f"}	{"parties": ["acme", "contoso", "umbrella"], "provider": "acme", "actor_kind": "service", "actor_user": "knowledge", "visibility": "shared", "actor_party": "knowledge", "traceparent": "00-4755138beec4634b8cc121faf329b2f3-e17444aed4657ad4-02"}	2026-12-02 07:58:43.214504+00	2026-12-02 07:58:43.226409+00
55	1047	55	fa5d1ceb-508f-5de6-98b1-7b1cd34eaaf0	4d1d5197-d460-416c-b801-4540f4b5c79f	2	village.knowledge.suggestions_made.v1	{"articles": [{"rank": 2, "score": 7.6, "title": "Branch rollout checklist: router, switch and VPN in one visit", "article_id": "b7911546-6410-46cd-9cff-a68abe509103"}], "audience": "partners", "incident_id": "4d1d5197-d460-416c-b801-4540f4b5c79f"}	{"parties": ["acme", "contoso"], "provider": "acme", "actor_kind": "service", "actor_user": "knowledge", "visibility": "restricted", "actor_party": "knowledge", "traceparent": "00-4755138beec4634b8cc121faf329b2f3-e17444aed4657ad4-02"}	2026-12-02 07:58:43.214504+00	2026-12-02 07:58:43.226409+00
56	1047	56	fe0d78f1-af1e-5b36-85f0-c4f3cf158f44	4d1d5197-d460-416c-b801-4540f4b5c79f	3	village.knowledge.suggestions_made.v1	{"articles": [{"rank": 5, "score": 3.6, "title": "Known defect: IKE daemon memory leak in 17.3.1 (engineering workaround)", "article_id": "a681c671-d8ed-4c8e-a4e6-c126d46665b4"}], "audience": "provider", "incident_id": "4d1d5197-d460-416c-b801-4540f4b5c79f"}	{"parties": ["acme"], "provider": "acme", "actor_kind": "service", "actor_user": "knowledge", "visibility": "internal", "actor_party": "acme", "traceparent": "00-4755138beec4634b8cc121faf329b2f3-e17444aed4657ad4-02"}	2026-12-02 07:58:43.214504+00	2026-12-02 07:58:43.226409+00
57	1054	57	b5bc07c6-d7a1-4434-8956-bea38c622275	e83e2e4f-d735-44e4-a1c0-285572c6af05	4	village.knowledge.article_linked.v1	{"party": "northwind", "title": "IPsec tunnel flaps every few minutes after a firmware upgrade", "article_id": "3f833918-6e21-4ef8-b81e-e7c4b6d024b4", "incident_id": "e83e2e4f-d735-44e4-a1c0-285572c6af05"}	{"parties": ["acme", "initech", "northwind"], "provider": "acme", "actor_kind": "partner", "actor_user": "northwind-user", "visibility": "shared", "actor_party": "northwind", "traceparent": "00-52cf1f7e47ab96676221864e96203785-f2f2cf9f020bba74-02", "correlation_id": "a9d3bd04-e3d3-46ec-aae3-654c82556036"}	2026-12-02 07:58:43.259997+00	2026-12-02 07:58:43.272289+00
59	1059	59	ee501130-dc12-5b1d-80d5-9bb772375e4f	20dd4880-f1ff-4553-93aa-dfa0bb3a85e7	2	village.knowledge.suggestions_made.v1	{"articles": [{"rank": 2, "score": 4.8, "title": "Branch rollout checklist: router, switch and VPN in one visit", "article_id": "b7911546-6410-46cd-9cff-a68abe509103"}], "audience": "partners", "incident_id": "20dd4880-f1ff-4553-93aa-dfa0bb3a85e7"}	{"parties": ["acme", "northwind"], "provider": "acme", "actor_kind": "service", "actor_user": "knowledge", "visibility": "restricted", "actor_party": "knowledge", "traceparent": "00-ff3756697341c0ef2065fadc5bce458d-2fe21e5f5d6d7014-02"}	2026-12-02 07:58:43.288791+00	2026-12-02 07:58:43.304674+00
61	1085	61	f1fa9a7a-e722-556c-9d34-5e0265f0d3e2	article:d4a70829-c766-5de5-97c7-e6d7cdf8782b	1	village.knowledge.draft_proposed.v1	{"content": {"body": "## Problem\\n\\nSite-to-site tunnel to Leeds dropped at 09:12.\\n\\n## Resolution (config-fix)\\n\\ndone\\n\\n## From the incident\\n\\n- shared note\\n- any news?", "tags": ["config-fix"], "title": "Core router down", "audience": "partners", "products": ["routers"], "symptoms": ["Site-to-site tunnel to Leeds dropped at 09:12."], "resolution_steps": ["done"]}, "version": 1, "provider": "acme", "article_id": "d4a70829-c766-5de5-97c7-e6d7cdf8782b", "incident_id": "20dd4880-f1ff-4553-93aa-dfa0bb3a85e7", "author_party": "acme", "resolution_code": "config-fix"}	{"parties": ["acme"], "provider": "acme", "actor_kind": "service", "actor_user": "knowledge", "visibility": "restricted", "actor_party": "acme", "traceparent": "00-20e9dc25c22659c9eba63a88165f71ad-6599b5eb0279b4fe-02"}	2026-12-02 07:58:43.401574+00	2026-12-02 07:58:43.411168+00
\.


--
-- Data for Name: feedback; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.feedback (article_id, party, helpful, incident_id, given_at) FROM stdin;
\.


--
-- Data for Name: handled_events; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.handled_events (consumer, event_id, handled_at) FROM stdin;
knowledge	56b01d5a-88ce-4d30-a063-2ec4bf8fd8e9	2026-12-02 07:58:43.149316+00
knowledge	3d8f7635-79dd-42e7-90ed-333bf062e9a8	2026-12-02 07:58:43.162713+00
knowledge	abeab08c-8e20-4dad-9afb-686ec9602f09	2026-12-02 07:58:43.169914+00
knowledge	a6e309e8-86c8-40ee-a3c3-7ea839d802ba	2026-12-02 07:58:43.178128+00
knowledge	c927a1ab-2879-48d2-87cb-ac56425c9e70	2026-12-02 07:58:43.181804+00
knowledge	b60243ae-fad5-4703-97ae-5c9b43b7e069	2026-12-02 07:58:43.187664+00
knowledge	3e77e005-9ebe-4dc1-b87a-1c423d6e2f20	2026-12-02 07:58:43.195392+00
knowledge	bd2b6200-ac2c-4658-9148-fdad0c7cb92e	2026-12-02 07:58:43.201368+00
knowledge	a42edbc2-d461-419f-9d35-b18c00abb986	2026-12-02 07:58:43.218483+00
knowledge	eb499cab-4ed8-4fa1-8dfc-be334310de5c	2026-12-02 07:58:43.226229+00
knowledge	b609f8ce-a257-4d5b-9157-16831a034405	2026-12-02 07:58:43.230719+00
knowledge	1fe0760d-64be-48c4-9fce-74f08d8dc3dd	2026-12-02 07:58:43.236511+00
knowledge	7c84d688-b18f-477d-9dd3-1dbd503763ba	2026-12-02 07:58:43.24064+00
knowledge	e0be925e-2975-4a44-a754-fb6d8ad297a7	2026-12-02 07:58:43.246783+00
knowledge	55832dd4-69b0-4d98-b5be-f7a25d540a85	2026-12-02 07:58:43.255155+00
knowledge	58353341-bcb6-45e0-9640-187ef5af875e	2026-12-02 07:58:43.259275+00
knowledge	61266e7b-917d-4258-bdd2-1ded16517e8f	2026-12-02 07:58:43.263561+00
knowledge	e10bf4d1-7b00-4f19-a24d-13c7644b794d	2026-12-02 07:58:43.29511+00
knowledge	79406af4-3887-4a48-9b24-a4337add5c5f	2026-12-02 07:58:43.301612+00
knowledge	9a0e30e0-2351-474e-8549-996899ee2603	2026-12-02 07:58:43.31315+00
knowledge	568a11b4-2240-4400-bd70-d7ef3d50d089	2026-12-02 07:58:43.328686+00
knowledge	d50c8350-2095-4a4e-ac21-1c4a873e2581	2026-12-02 07:58:43.342442+00
knowledge	9dfab168-3e4f-457a-bf8d-b1a7ba8c4a80	2026-12-02 07:58:43.353798+00
knowledge	e858d006-91a7-405e-830a-a6db2b2652bd	2026-12-02 07:58:43.364182+00
knowledge	02ef7cce-52cd-4f97-86fd-5e63055089de	2026-12-02 07:58:43.370751+00
knowledge	09a86dcc-76dd-4089-865b-d73c8d66cfc3	2026-12-02 07:58:43.376828+00
knowledge	4a510e17-86b8-4967-89d1-5db95a36e774	2026-12-02 07:58:43.382774+00
knowledge	48f034c3-9f9c-464b-bf89-de46b6971c44	2026-12-02 07:58:43.388555+00
knowledge	9c57756c-1eb9-4f2b-9ec1-682dce3b0f87	2026-12-02 07:58:43.403922+00
knowledge	0076f452-879c-4ac3-827e-2b3d1c1c83fb	2026-12-02 07:58:43.410398+00
knowledge	a5374b6e-d11a-4e28-9a1b-197718251b07	2026-12-02 07:58:43.418001+00
knowledge	dc1b2857-4064-4b74-abcb-26457720acc4	2026-12-02 07:58:43.425828+00
knowledge	1dedc117-eae8-4a24-a272-77ec20d190c2	2026-12-02 07:58:43.647994+00
knowledge	5a4c777b-006b-4acf-b3cf-6538fc8b95b0	2026-12-02 07:58:43.651292+00
\.


--
-- Data for Name: idempotency_keys; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.idempotency_keys (party, key, method, path, request_hash, status_code, headers, body, created_at, expires_at) FROM stdin;
acme	seed-article-ipsec-lifetime-mismatch	POST	/articles	03335beb213f44c3623a26c08a8361f1a18d2c81b77fb65d0af4bdb173b6c091	201	{"ETag": "\\"1\\"", "Location": "/articles/3f833918-6e21-4ef8-b81e-e7c4b6d024b4"}	{"id": "3f833918-6e21-4ef8-b81e-e7c4b6d024b4", "body": "Since router firmware 17.3.1 the default IKE phase 1 lifetime is 3600 s. A peer still on 16.x uses 86400 s, so the peers rekey out of step and the tunnel flaps until both agree.", "tags": ["vpn", "ipsec", "firmware"], "title": "IPsec tunnel flaps every few minutes after a firmware upgrade", "status": "draft", "version": 1, "audience": "public", "products": ["routers"], "provider": "acme", "symptoms": ["Site-to-site VPN tunnel drops and comes back every few minutes", "IKE SA rekey failures in the log"], "created_at": "2026-12-02T07:58:38.283047+00:00", "updated_at": "2026-12-02T07:58:38.283047+00:00", "review_note": null, "author_party": "acme", "origin_incident": null, "resolution_steps": ["Set the IKE lifetime to 28800 s on both peers", "Clear the security associations", "Watch one rekey"], "published_version": null}	2026-12-02 07:58:38.293359+00	2026-12-03 07:58:38.293359+00
acme	seed-article-vpn-mtu-fragmentation	POST	/articles	0cf15b9e3a19ac85f83c6dac48d43ab7ea3501a72414c115df6af0f1dfded370	201	{"ETag": "\\"1\\"", "Location": "/articles/0f1f843a-85a1-4cb2-9c4d-3ca86c96e531"}	{"id": "0f1f843a-85a1-4cb2-9c4d-3ca86c96e531", "body": "Packets close to 1500 bytes do not fit once the IPsec overhead is added. Without TCP MSS clamping they are fragmented or dropped when the path blocks ICMP fragmentation-needed messages.", "tags": ["vpn", "mtu", "performance"], "title": "Slow file transfers and stalled web pages over the branch VPN", "status": "draft", "version": 1, "audience": "public", "products": ["routers"], "provider": "acme", "symptoms": ["Small pings work but large transfers stall over the VPN", "SMB copies hang at a few percent"], "created_at": "2026-12-02T07:58:38.336889+00:00", "updated_at": "2026-12-02T07:58:38.336889+00:00", "review_note": null, "author_party": "acme", "origin_incident": null, "resolution_steps": ["Clamp the TCP MSS to 1360 on the tunnel interface", "Set the tunnel MTU to 1400", "Retest with a large ping"], "published_version": null}	2026-12-02 07:58:38.339549+00	2026-12-03 07:58:38.339549+00
acme	seed-article-bgp-neighbor-flap-hold-timer	POST	/articles	2fc2ba1fc5484a1e9a1a5738f6f15936f265299716bce42a22a6d083d53a58bc	201	{"ETag": "\\"1\\"", "Location": "/articles/30b2d9a9-8745-4e58-bb98-8dfed12d29bd"}	{"id": "30b2d9a9-8745-4e58-bb98-8dfed12d29bd", "body": "Keepalives are lost when the uplink is saturated or the control plane is policed too hard. The session then resets after the hold time and routes are withdrawn.", "tags": ["bgp", "routing"], "title": "BGP neighbor flaps with hold timer expired", "status": "draft", "version": 1, "audience": "public", "products": ["routers"], "provider": "acme", "symptoms": ["BGP session to the ISP resets every few minutes", "Log shows hold timer expired"], "created_at": "2026-12-02T07:58:38.357986+00:00", "updated_at": "2026-12-02T07:58:38.357986+00:00", "review_note": null, "author_party": "acme", "origin_incident": null, "resolution_steps": ["Check interface drops on the uplink", "Prioritise BGP in the control plane policy", "Lower keepalive to 10 s and hold to 30 s on both sides"], "published_version": null}	2026-12-02 07:58:38.359782+00	2026-12-03 07:58:38.359782+00
acme	seed-article-router-high-cpu-after-upgrade	POST	/articles	629f09850659c128a5ed28ead8b770e786403b47756b6fdde8011e5c77bbe981	201	{"ETag": "\\"1\\"", "Location": "/articles/931989ab-f7ee-43f8-9fc8-de0df66b9f98"}	{"id": "931989ab-f7ee-43f8-9fc8-de0df66b9f98", "body": "Firmware 17.3.0 enables deep flow telemetry by default. On small branch routers the export process consumes all CPU when many flows are active.", "tags": ["cpu", "firmware", "performance"], "title": "Router CPU at 100 percent after upgrading to 17.3", "status": "draft", "version": 1, "audience": "public", "products": ["routers"], "provider": "acme", "symptoms": ["CPU pinned at 100 percent", "SSH to the router is very slow", "Routing protocol timeouts"], "created_at": "2026-12-02T07:58:38.379459+00:00", "updated_at": "2026-12-02T07:58:38.379459+00:00", "review_note": null, "author_party": "acme", "origin_incident": null, "resolution_steps": ["Disable flow telemetry export or raise the sampling rate", "Upgrade to 17.3.2", "Reload the router"], "published_version": null}	2026-12-02 07:58:38.382392+00	2026-12-03 07:58:38.382392+00
acme	seed-article-router-memory-leak-ike	POST	/articles	0f7202cc05b1b3c3c6aa556b3a41c1de25a454c0482f1c6bd2efb84adedf6f0c	201	{"ETag": "\\"1\\"", "Location": "/articles/a681c671-d8ed-4c8e-a4e6-c126d46665b4"}	{"id": "a681c671-d8ed-4c8e-a4e6-c126d46665b4", "body": "Engineering confirmed a leak in the IKE daemon when dead peer detection fires during a rekey. Fix scheduled for 17.3.2. Do not share the internal defect id with customers.", "tags": ["defect", "memory", "vpn", "internal"], "title": "Known defect: IKE daemon memory leak in 17.3.1 (engineering workaround)", "status": "draft", "version": 1, "audience": "provider", "products": ["routers"], "provider": "acme", "symptoms": ["Router free memory shrinks day by day", "IKE daemon restarts and all tunnels drop"], "created_at": "2026-12-02T07:58:38.399170+00:00", "updated_at": "2026-12-02T07:58:38.399170+00:00", "review_note": null, "author_party": "acme", "origin_incident": null, "resolution_steps": ["Schedule a nightly restart of the IKE daemon", "Disable DPD on idle tunnels until 17.3.2"], "published_version": null}	2026-12-02 07:58:38.400566+00	2026-12-03 07:58:38.400566+00
acme	seed-article-firewall-ha-failover-loop	POST	/articles	2bf7cc28fdeaf503560c1b009cc20dd7796d7fba1a2b2490d438cf8af55896c9	201	{"ETag": "\\"1\\"", "Location": "/articles/17b43370-4a0d-4751-91b6-3dbcc3063ac8"}	{"id": "17b43370-4a0d-4751-91b6-3dbcc3063ac8", "body": "Heartbeats between the cluster members travel over a single link. When that link flaps both nodes believe the peer is dead and the cluster fails over again and again.", "tags": ["high-availability", "cluster"], "title": "Firewall high availability pair keeps failing over", "status": "draft", "version": 1, "audience": "public", "products": ["firewalls"], "provider": "acme", "symptoms": ["Active and standby firewall swap roles every few minutes", "Sessions drop on each failover"], "created_at": "2026-12-02T07:58:38.415618+00:00", "updated_at": "2026-12-02T07:58:38.415618+00:00", "review_note": null, "author_party": "acme", "origin_incident": null, "resolution_steps": ["Use two dedicated heartbeat links", "Raise the heartbeat threshold to 3 missed beats", "Enable preemption delay of 60 s"], "published_version": null}	2026-12-02 07:58:38.417405+00	2026-12-03 07:58:38.417405+00
acme	seed-article-firewall-license-expired-threat	POST	/articles	e55bb98ee9a4dbefa377380960f57c25ac2db920b0c8d2f974f72c3eb58aa856	201	{"ETag": "\\"1\\"", "Location": "/articles/93fd5f4b-96fc-46ae-bb44-aa76d2e674de"}	{"id": "93fd5f4b-96fc-46ae-bb44-aa76d2e674de", "body": "Threat prevention needs a valid subscription; after expiry the firewall keeps old signatures and blocks nothing new.", "tags": ["license", "threat-prevention"], "title": "Threat prevention signatures stopped updating", "status": "draft", "version": 1, "audience": "public", "products": ["firewalls"], "provider": "acme", "symptoms": ["Signature version is weeks old", "Dashboard warns the subscription expired"], "created_at": "2026-12-02T07:58:38.474611+00:00", "updated_at": "2026-12-02T07:58:38.474611+00:00", "review_note": null, "author_party": "acme", "origin_incident": null, "resolution_steps": ["Renew the subscription", "Refresh the license from the portal", "Force a signature update"], "published_version": null}	2026-12-02 07:58:38.476094+00	2026-12-03 07:58:38.476094+00
acme	seed-article-firewall-nat-port-exhaustion	POST	/articles	74e5a5a9b0c0944e96e1bdf516743aa9e37f8745bf3fe1458d317befb61fb62c	201	{"ETag": "\\"1\\"", "Location": "/articles/7d9f0475-e1dd-4e56-9316-ccf99ec122cf"}	{"id": "7d9f0475-e1dd-4e56-9316-ccf99ec122cf", "body": "All users share one public address for source NAT. With about 64,000 ports per address and long idle timeouts the pool runs out at peak time.", "tags": ["nat", "performance"], "title": "Outbound connections fail intermittently: NAT port exhaustion", "status": "draft", "version": 1, "audience": "public", "products": ["firewalls"], "provider": "acme", "symptoms": ["Some outbound connections time out during busy hours", "NAT pool usage at 100 percent"], "created_at": "2026-12-02T07:58:38.431406+00:00", "updated_at": "2026-12-02T07:58:38.431406+00:00", "review_note": null, "author_party": "acme", "origin_incident": null, "resolution_steps": ["Add addresses to the NAT pool", "Lower the UDP idle timeout to 30 s", "Check for a scanning host"], "published_version": null}	2026-12-02 07:58:38.433541+00	2026-12-03 07:58:38.433541+00
acme	seed-article-firewall-policy-shadowing	POST	/articles	a759ec130ea8c0dd3399334f83fcbbea24579f3f190a34919974527430e72142	201	{"ETag": "\\"1\\"", "Location": "/articles/2512d494-ae71-4f70-bad1-2b93e144d822"}	{"id": "2512d494-ae71-4f70-bad1-2b93e144d822", "body": "Rules are evaluated top down and the first match wins. A broader deny above the new rule shadows it. The policy analyser lists shadowed rules.", "tags": ["policy", "rules"], "title": "New firewall rule has no effect: shadowed by an earlier rule", "status": "draft", "version": 1, "audience": "partners", "products": ["firewalls"], "provider": "acme", "symptoms": ["Traffic is still blocked after adding an allow rule", "Rule hit counter stays at zero"], "created_at": "2026-12-02T07:58:38.446377+00:00", "updated_at": "2026-12-02T07:58:38.446377+00:00", "review_note": null, "author_party": "acme", "origin_incident": null, "resolution_steps": ["Run the policy analyser", "Move the new rule above the broader deny", "Check the hit counter"], "published_version": null}	2026-12-02 07:58:38.447911+00	2026-12-03 07:58:38.447911+00
acme	seed-article-firewall-ssl-inspection-certificate	POST	/articles	368bdeff049b74fee83f6c3e9269d144349f724edab0647ac9311594557df782	201	{"ETag": "\\"1\\"", "Location": "/articles/ae8e967f-c366-4fa7-a91d-c75ce25e6a9a"}	{"id": "ae8e967f-c366-4fa7-a91d-c75ce25e6a9a", "body": "With TLS inspection the firewall re-signs server certificates with its own CA. Clients that do not trust that CA warn; pinned applications fail entirely.", "tags": ["tls", "certificates"], "title": "Browsers show certificate warnings after enabling SSL inspection", "status": "draft", "version": 1, "audience": "public", "products": ["firewalls"], "provider": "acme", "symptoms": ["Every HTTPS site shows an untrusted certificate warning", "Some apps refuse to connect"], "created_at": "2026-12-02T07:58:38.461729+00:00", "updated_at": "2026-12-02T07:58:38.461729+00:00", "review_note": null, "author_party": "acme", "origin_incident": null, "resolution_steps": ["Deploy the firewall CA to clients by group policy", "Exempt pinned applications from inspection"], "published_version": null}	2026-12-02 07:58:38.462748+00	2026-12-03 07:58:38.462748+00
acme	seed-article-dhcp-scope-exhausted	POST	/articles	77620c7399fe4968613534cd044b013787bfe0ddb3298c3c512ea8cd019f502c	201	{"ETag": "\\"1\\"", "Location": "/articles/462b1e6e-cefb-4e40-8894-40bbb51997f7"}	{"id": "462b1e6e-cefb-4e40-8894-40bbb51997f7", "body": "The branch router's DHCP pool is too small for the number of devices and the lease time is a week.", "tags": ["dhcp", "addressing"], "title": "New devices get no IP address: DHCP scope exhausted", "status": "draft", "version": 1, "audience": "public", "products": ["routers"], "provider": "acme", "symptoms": ["Laptops show a self-assigned 169.254 address", "DHCP pool utilisation at 100 percent"], "created_at": "2026-12-02T07:58:38.611790+00:00", "updated_at": "2026-12-02T07:58:38.611790+00:00", "review_note": null, "author_party": "acme", "origin_incident": null, "resolution_steps": ["Enlarge the pool", "Shorten the lease time to 8 hours", "Clear stale bindings"], "published_version": null}	2026-12-02 07:58:38.613234+00	2026-12-03 07:58:38.613234+00
acme	seed-article-lte-backup-link-failover	POST	/articles	9d34ed9aae2ea83908b6402a335522e75ba7a39913782b4fd2794b9d8f50b3be	201	{"ETag": "\\"1\\"", "Location": "/articles/3b6a4161-7976-41c4-ac02-04d76fce3719"}	{"id": "3b6a4161-7976-41c4-ac02-04d76fce3719", "body": "The tracked object that watches the primary link pings the local gateway, which stays up when the fibre fails further upstream.", "tags": ["lte", "wan", "failover"], "title": "LTE backup link does not take over when the fibre fails", "status": "draft", "version": 1, "audience": "public", "products": ["routers"], "provider": "acme", "symptoms": ["Branch offline although the LTE modem has signal", "Default route still points at the fibre"], "created_at": "2026-12-02T07:58:38.678038+00:00", "updated_at": "2026-12-02T07:58:38.678038+00:00", "review_note": null, "author_party": "acme", "origin_incident": null, "resolution_steps": ["Track an address beyond the ISP", "Check the floating static route's distance", "Test by unplugging"], "published_version": null}	2026-12-02 07:58:38.679128+00	2026-12-03 07:58:38.679128+00
acme	seed-article-switch-spanning-tree-loop	POST	/articles	6cc0ac5fd7d9a84a467468bb9dc4237886118266c49e38873f2e276955610a7f	201	{"ETag": "\\"1\\"", "Location": "/articles/c81c7b9d-3a60-499a-8ef1-3fd383757d93"}	{"id": "c81c7b9d-3a60-499a-8ef1-3fd383757d93", "body": "A cable plugged between two access ports created a loop on a switch where spanning tree was disabled. Broadcasts circulate forever and saturate every link.", "tags": ["stp", "loop", "network"], "title": "Network outage from a switching loop: spanning tree", "status": "draft", "version": 1, "audience": "public", "products": ["switches"], "provider": "acme", "symptoms": ["Whole office network down", "Switch port LEDs blink in unison", "Broadcast storm"], "created_at": "2026-12-02T07:58:38.488344+00:00", "updated_at": "2026-12-02T07:58:38.488344+00:00", "review_note": null, "author_party": "acme", "origin_incident": null, "resolution_steps": ["Unplug the looped cable", "Enable rapid spanning tree on all switches", "Enable BPDU guard on edge ports"], "published_version": null}	2026-12-02 07:58:38.489558+00	2026-12-03 07:58:38.489558+00
acme	seed-article-switch-stack-master-lost	POST	/articles	bee087d7564ad5a0c5233e5d16d01cf10c1ee187900cc80008b04dd8f0c503e6	201	{"ETag": "\\"1\\"", "Location": "/articles/63046d63-ec73-4cf7-ab40-cbdc45253cbe"}	{"id": "63046d63-ec73-4cf7-ab40-cbdc45253cbe", "body": "When the stack cable is faulty the members cannot elect a single master after a reboot and the stack splits into two.", "tags": ["stack", "high-availability"], "title": "Switch stack splits after the master reboots", "status": "draft", "version": 1, "audience": "public", "products": ["switches"], "provider": "acme", "symptoms": ["Half of the access ports go down", "Two switches both claim to be stack master"], "created_at": "2026-12-02T07:58:38.505960+00:00", "updated_at": "2026-12-02T07:58:38.505960+00:00", "review_note": null, "author_party": "acme", "origin_incident": null, "resolution_steps": ["Replace the stack cable", "Set master priority on the intended master", "Reload the standby member"], "published_version": null}	2026-12-02 07:58:38.507087+00	2026-12-03 07:58:38.507087+00
acme	seed-article-poe-budget-exceeded	POST	/articles	6059b4e14297406f76b7d02380bf3433016913a41a82c341e7ae1c34caae4655	201	{"ETag": "\\"1\\"", "Location": "/articles/ecfbcdfd-0f9c-4cf5-9302-a822893ac4bc"}	{"id": "ecfbcdfd-0f9c-4cf5-9302-a822893ac4bc", "body": "The switch power supply cannot feed every powered device at its class maximum; ports beyond the budget are denied power.", "tags": ["poe", "power"], "title": "Access points and phones lose power: PoE budget exceeded", "status": "draft", "version": 1, "audience": "public", "products": ["switches"], "provider": "acme", "symptoms": ["New access points do not power up", "IP phones reboot randomly"], "created_at": "2026-12-02T07:58:38.519064+00:00", "updated_at": "2026-12-02T07:58:38.519064+00:00", "review_note": null, "author_party": "acme", "origin_incident": null, "resolution_steps": ["Check the PoE budget on the switch", "Set port priorities for critical devices", "Add a second power supply"], "published_version": null}	2026-12-02 07:58:38.521269+00	2026-12-03 07:58:38.521269+00
acme	seed-article-wifi-roaming-drops	POST	/articles	81f5d68dbe7a287faca3dad26df18acaaf2e6f50a053c4edce6e21c871db6601	201	{"ETag": "\\"1\\"", "Location": "/articles/4f8ec9b5-9385-4812-8c54-bde085514187"}	{"id": "4f8ec9b5-9385-4812-8c54-bde085514187", "body": "Without fast roaming (802.11r) clients do a full reauthentication at each access point, which takes too long for voice.", "tags": ["wireless", "roaming"], "title": "Wi-Fi calls drop when walking between access points", "status": "draft", "version": 1, "audience": "public", "products": ["wifi"], "provider": "acme", "symptoms": ["Voice calls drop when moving around the office", "Laptops stick to a far access point"], "created_at": "2026-12-02T07:58:38.533391+00:00", "updated_at": "2026-12-02T07:58:38.533391+00:00", "review_note": null, "author_party": "acme", "origin_incident": null, "resolution_steps": ["Enable 802.11r fast transition", "Lower the minimum basic rate", "Tune transmit power"], "published_version": null}	2026-12-02 07:58:38.534546+00	2026-12-03 07:58:38.534546+00
acme	seed-article-sso-saml-clock-skew	POST	/articles	27e98508d22a083efed7764ef7c578d9f0e28fc0b6ab146344256b92fd82a644	201	{"ETag": "\\"1\\"", "Location": "/articles/7469e69a-71d1-4c09-b7b4-2eb4f1e461a0"}	{"id": "7469e69a-71d1-4c09-b7b4-2eb4f1e461a0", "body": "The identity provider and the appliance disagree about the time. A SAML assertion issued a few seconds in the future is rejected.", "tags": ["saml", "authentication", "login"], "title": "SSO login fails with SAML assertion not yet valid", "status": "draft", "version": 1, "audience": "public", "products": ["sso"], "provider": "acme", "symptoms": ["Users cannot log in through single sign-on", "Error: assertion is not yet valid"], "created_at": "2026-12-02T07:58:38.546316+00:00", "updated_at": "2026-12-02T07:58:38.546316+00:00", "review_note": null, "author_party": "acme", "origin_incident": null, "resolution_steps": ["Point both at the same NTP servers", "Allow 120 s clock skew", "Retry the login"], "published_version": null}	2026-12-02 07:58:38.547553+00	2026-12-03 07:58:38.547553+00
acme	seed-article-sso-certificate-rollover	POST	/articles	179b0e694b819574c88c39768fe68845d607f3b506aff7c6ca61168fc9f6d7fd	201	{"ETag": "\\"1\\"", "Location": "/articles/24f7dd8f-a71d-4061-a8c6-59b420920367"}	{"id": "24f7dd8f-a71d-4061-a8c6-59b420920367", "body": "The identity provider rolled over its SAML signing certificate and the appliance still trusts only the old one.", "tags": ["saml", "certificates", "login"], "title": "Single sign-on stops working after the identity provider rotated its signing certificate", "status": "draft", "version": 1, "audience": "public", "products": ["sso"], "provider": "acme", "symptoms": ["All SSO logins fail on the same morning", "Signature validation failed in the log"], "created_at": "2026-12-02T07:58:38.560061+00:00", "updated_at": "2026-12-02T07:58:38.560061+00:00", "review_note": null, "author_party": "acme", "origin_incident": null, "resolution_steps": ["Import the new IdP metadata", "Enable automatic metadata refresh"], "published_version": null}	2026-12-02 07:58:38.561105+00	2026-12-03 07:58:38.561105+00
acme	seed-article-admin-mfa-lockout	POST	/articles	2440ad145fa413f21994dcec3440961d0e9e3022775218a783cdd7ce00c1fa10	201	{"ETag": "\\"1\\"", "Location": "/articles/984f3a35-0326-466e-ba4f-92bfaccb81ef"}	{"id": "984f3a35-0326-466e-ba4f-92bfaccb81ef", "body": "The administrator's authenticator was reset. Local break-glass accounts are exempt from MFA for exactly this case.", "tags": ["mfa", "authentication"], "title": "Administrator locked out after losing the MFA token", "status": "draft", "version": 1, "audience": "public", "products": ["sso"], "provider": "acme", "symptoms": ["Admin cannot log in to the management console", "MFA code rejected"], "created_at": "2026-12-02T07:58:38.572824+00:00", "updated_at": "2026-12-02T07:58:38.572824+00:00", "review_note": null, "author_party": "acme", "origin_incident": null, "resolution_steps": ["Log in with the break-glass account", "Reset the admin's MFA enrolment", "Rotate the break-glass password"], "published_version": null}	2026-12-02 07:58:38.57406+00	2026-12-03 07:58:38.57406+00
acme	seed-article-backup-config-job-fails	POST	/articles	8dfa145907629aee3787ead6c2a8278877472a651cc606f4030f3dfc342fc46f	201	{"ETag": "\\"1\\"", "Location": "/articles/0e8805da-dbcc-430d-a3b2-0b7d1d3dc24d"}	{"id": "0e8805da-dbcc-430d-a3b2-0b7d1d3dc24d", "body": "The backup account's password was rotated on the devices but not in the backup job, or SCP is disabled after hardening.", "tags": ["backup", "configuration"], "title": "Nightly configuration backup job fails with authentication error", "status": "draft", "version": 1, "audience": "public", "products": ["routers", "firewalls"], "provider": "acme", "symptoms": ["Backup job report shows failed devices", "Authentication failed over SCP"], "created_at": "2026-12-02T07:58:38.585822+00:00", "updated_at": "2026-12-02T07:58:38.585822+00:00", "review_note": null, "author_party": "acme", "origin_incident": null, "resolution_steps": ["Update the backup credentials", "Enable SCP for the backup account", "Run the job by hand"], "published_version": null}	2026-12-02 07:58:38.586888+00	2026-12-03 07:58:38.586888+00
acme	seed-article-backup-restore-config-rollback	POST	/articles	de1353f8de80a347d5b271c9641f3cfa005391e8b701351e92fd02c29af45c55	201	{"ETag": "\\"1\\"", "Location": "/articles/39af885f-4f11-4c99-9cd8-6df161e16483"}	{"id": "39af885f-4f11-4c99-9cd8-6df161e16483", "body": "Configuration archives keep the last 30 versions on the device and the backup server. A rollback replaces the running configuration atomically.", "tags": ["backup", "rollback"], "title": "Restoring a device configuration from backup", "status": "draft", "version": 1, "audience": "public", "products": ["routers", "firewalls"], "provider": "acme", "symptoms": ["A bad change took a site down", "Need to roll back to last night's configuration"], "created_at": "2026-12-02T07:58:38.598223+00:00", "updated_at": "2026-12-02T07:58:38.598223+00:00", "review_note": null, "author_party": "acme", "origin_incident": null, "resolution_steps": ["List the archived versions", "Roll back to the chosen version", "Save and verify"], "published_version": null}	2026-12-02 07:58:38.599629+00	2026-12-03 07:58:38.599629+00
acme	seed-article-dns-resolution-slow	POST	/articles	cfb5e4089480661aedcdb758e4b522f271ebb0d3a9fd026eaf06337659138254	201	{"ETag": "\\"1\\"", "Location": "/articles/8069a896-c05f-4370-a5c4-d379b51ed0ab"}	{"id": "8069a896-c05f-4370-a5c4-d379b51ed0ab", "body": "The router forwards DNS to a resolver over the VPN that is overloaded; the first resolver times out before the second is tried.", "tags": ["dns", "performance"], "title": "Web browsing slow at the branch: DNS lookups time out", "status": "draft", "version": 1, "audience": "public", "products": ["routers"], "provider": "acme", "symptoms": ["Pages take seconds to start loading", "nslookup times out on the first try"], "created_at": "2026-12-02T07:58:38.624269+00:00", "updated_at": "2026-12-02T07:58:38.624269+00:00", "review_note": null, "author_party": "acme", "origin_incident": null, "resolution_steps": ["Use a local resolver", "Enable DNS caching on the router", "Lower the resolver timeout"], "published_version": null}	2026-12-02 07:58:38.625829+00	2026-12-03 07:58:38.625829+00
northwind	seed-article-nw-branch-rollout-checklist	POST	/articles	eab3f7960e009bb752d1b0e19578b6bcca70e6c8e3d3562555a97d54b1d21745	201	{"ETag": "\\"1\\"", "Location": "/articles/b7911546-6410-46cd-9cff-a68abe509103"}	{"id": "b7911546-6410-46cd-9cff-a68abe509103", "body": "Northwind's checklist for installing a branch in one visit: pre-staged configuration, VPN test from the depot, VLAN and PoE check on site, and a handover test call.", "tags": ["rollout", "best-practice"], "title": "Branch rollout checklist: router, switch and VPN in one visit", "status": "draft", "version": 1, "audience": "partners", "products": ["routers", "switches"], "provider": "acme", "symptoms": ["Repeat site visits after a branch go-live", "Tunnels and VLANs missing after installation"], "created_at": "2026-12-02T07:58:38.637926+00:00", "updated_at": "2026-12-02T07:58:38.637926+00:00", "review_note": null, "author_party": "northwind", "origin_incident": null, "resolution_steps": ["Pre-stage the router configuration", "Test the VPN from the depot", "Check VLANs and PoE on site"], "published_version": null}	2026-12-02 07:58:38.639231+00	2026-12-03 07:58:38.639231+00
northwind	seed-article-nw-firewall-upgrade-window	POST	/articles	1998a4ed571d8377d98195262a9a32c1faca680153dff440b41bcc46808b0759	201	{"ETag": "\\"1\\"", "Location": "/articles/c757f978-aa36-433c-9897-a417098581b8"}	{"id": "c757f978-aa36-433c-9897-a417098581b8", "body": "Upgrade the standby first, fail over, then upgrade the former active. Check session synchronisation before each failover.", "tags": ["firmware", "upgrade", "best-practice"], "title": "Upgrading a firewall cluster without downtime", "status": "draft", "version": 1, "audience": "partners", "products": ["firewalls"], "provider": "acme", "symptoms": ["Customers need firmware upgrades without an outage"], "created_at": "2026-12-02T07:58:38.656331+00:00", "updated_at": "2026-12-02T07:58:38.656331+00:00", "review_note": null, "author_party": "northwind", "origin_incident": null, "resolution_steps": ["Upgrade the standby member", "Fail over and verify sessions", "Upgrade the other member"], "published_version": null}	2026-12-02 07:58:38.660773+00	2026-12-03 07:58:38.660773+00
\.


--
-- Data for Name: incidents; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.incidents (incident_id, parties, customer, partner, provider, title, description, product, status) FROM stdin;
e83e2e4f-d735-44e4-a1c0-285572c6af05	{acme,initech,northwind}	initech	northwind	acme	VPN tunnel flapping	Site-to-site tunnel to Leeds dropped at 09:12.	routers	closed
20dd4880-f1ff-4553-93aa-dfa0bb3a85e7	{acme,initech,northwind,contoso}	initech	northwind	acme	Core router down	Site-to-site tunnel to Leeds dropped at 09:12.	routers	closed
4d1d5197-d460-416c-b801-4540f4b5c79f	{acme,contoso,umbrella}	umbrella	contoso	acme	Slow VPN	Site-to-site tunnel to Leeds dropped at 09:12.	routers	closed
\.


--
-- Data for Name: links; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.links (incident_id, article_id, party, linked_at) FROM stdin;
e83e2e4f-d735-44e4-a1c0-285572c6af05	3f833918-6e21-4ef8-b81e-e7c4b6d024b4	northwind	2026-12-02 07:58:43.259997+00
\.


--
-- Data for Name: search_docs; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.search_docs (article_id, provider, audience, title, body, symptoms, steps, tags_text, products, tags, version, published_at) FROM stdin;
3f833918-6e21-4ef8-b81e-e7c4b6d024b4	acme	public	IPsec tunnel flaps every few minutes after a firmware upgrade	Since router firmware 17.3.1 the default IKE phase 1 lifetime is 3600 s. A peer still on 16.x uses 86400 s, so the peers rekey out of step and the tunnel flaps until both agree.	Site-to-site VPN tunnel drops and comes back every few minutes\nIKE SA rekey failures in the log	Set the IKE lifetime to 28800 s on both peers\nClear the security associations\nWatch one rekey	vpn ipsec firmware	{routers}	{vpn,ipsec,firmware}	1	2026-12-02 07:58:38.316199+00
0f1f843a-85a1-4cb2-9c4d-3ca86c96e531	acme	public	Slow file transfers and stalled web pages over the branch VPN	Packets close to 1500 bytes do not fit once the IPsec overhead is added. Without TCP MSS clamping they are fragmented or dropped when the path blocks ICMP fragmentation-needed messages.	Small pings work but large transfers stall over the VPN\nSMB copies hang at a few percent	Clamp the TCP MSS to 1360 on the tunnel interface\nSet the tunnel MTU to 1400\nRetest with a large ping	vpn mtu performance	{routers}	{vpn,mtu,performance}	1	2026-12-02 07:58:38.345273+00
30b2d9a9-8745-4e58-bb98-8dfed12d29bd	acme	public	BGP neighbor flaps with hold timer expired	Keepalives are lost when the uplink is saturated or the control plane is policed too hard. The session then resets after the hold time and routes are withdrawn.	BGP session to the ISP resets every few minutes\nLog shows hold timer expired	Check interface drops on the uplink\nPrioritise BGP in the control plane policy\nLower keepalive to 10 s and hold to 30 s on both sides	bgp routing	{routers}	{bgp,routing}	1	2026-12-02 07:58:38.365074+00
931989ab-f7ee-43f8-9fc8-de0df66b9f98	acme	public	Router CPU at 100 percent after upgrading to 17.3	Firmware 17.3.0 enables deep flow telemetry by default. On small branch routers the export process consumes all CPU when many flows are active.	CPU pinned at 100 percent\nSSH to the router is very slow\nRouting protocol timeouts	Disable flow telemetry export or raise the sampling rate\nUpgrade to 17.3.2\nReload the router	cpu firmware performance	{routers}	{cpu,firmware,performance}	1	2026-12-02 07:58:38.387934+00
a681c671-d8ed-4c8e-a4e6-c126d46665b4	acme	provider	Known defect: IKE daemon memory leak in 17.3.1 (engineering workaround)	Engineering confirmed a leak in the IKE daemon when dead peer detection fires during a rekey. Fix scheduled for 17.3.2. Do not share the internal defect id with customers.	Router free memory shrinks day by day\nIKE daemon restarts and all tunnels drop	Schedule a nightly restart of the IKE daemon\nDisable DPD on idle tunnels until 17.3.2	defect memory vpn internal	{routers}	{defect,memory,vpn,internal}	1	2026-12-02 07:58:38.405219+00
2512d494-ae71-4f70-bad1-2b93e144d822	acme	partners	New firewall rule has no effect: shadowed by an earlier rule	Rules are evaluated top down and the first match wins. A broader deny above the new rule shadows it. The policy analyser lists shadowed rules.	Traffic is still blocked after adding an allow rule\nRule hit counter stays at zero	Run the policy analyser\nMove the new rule above the broader deny\nCheck the hit counter	policy rules	{firewalls}	{policy,rules}	1	2026-12-02 07:58:38.45221+00
17b43370-4a0d-4751-91b6-3dbcc3063ac8	acme	public	Firewall high availability pair keeps failing over	Heartbeats between the cluster members travel over a single link. When that link flaps both nodes believe the peer is dead and the cluster fails over again and again.	Active and standby firewall swap roles every few minutes\nSessions drop on each failover	Use two dedicated heartbeat links\nRaise the heartbeat threshold to 3 missed beats\nEnable preemption delay of 60 s	high-availability cluster	{firewalls}	{high-availability,cluster}	1	2026-12-02 07:58:38.421556+00
7d9f0475-e1dd-4e56-9316-ccf99ec122cf	acme	public	Outbound connections fail intermittently: NAT port exhaustion	All users share one public address for source NAT. With about 64,000 ports per address and long idle timeouts the pool runs out at peak time.	Some outbound connections time out during busy hours\nNAT pool usage at 100 percent	Add addresses to the NAT pool\nLower the UDP idle timeout to 30 s\nCheck for a scanning host	nat performance	{firewalls}	{nat,performance}	1	2026-12-02 07:58:38.439101+00
ae8e967f-c366-4fa7-a91d-c75ce25e6a9a	acme	public	Browsers show certificate warnings after enabling SSL inspection	With TLS inspection the firewall re-signs server certificates with its own CA. Clients that do not trust that CA warn; pinned applications fail entirely.	Every HTTPS site shows an untrusted certificate warning\nSome apps refuse to connect	Deploy the firewall CA to clients by group policy\nExempt pinned applications from inspection	tls certificates	{firewalls}	{tls,certificates}	1	2026-12-02 07:58:38.466595+00
93fd5f4b-96fc-46ae-bb44-aa76d2e674de	acme	public	Threat prevention signatures stopped updating	Threat prevention needs a valid subscription; after expiry the firewall keeps old signatures and blocks nothing new.	Signature version is weeks old\nDashboard warns the subscription expired	Renew the subscription\nRefresh the license from the portal\nForce a signature update	license threat-prevention	{firewalls}	{license,threat-prevention}	1	2026-12-02 07:58:38.480322+00
462b1e6e-cefb-4e40-8894-40bbb51997f7	acme	public	New devices get no IP address: DHCP scope exhausted	The branch router's DHCP pool is too small for the number of devices and the lease time is a week.	Laptops show a self-assigned 169.254 address\nDHCP pool utilisation at 100 percent	Enlarge the pool\nShorten the lease time to 8 hours\nClear stale bindings	dhcp addressing	{routers}	{dhcp,addressing}	1	2026-12-02 07:58:38.617088+00
8069a896-c05f-4370-a5c4-d379b51ed0ab	acme	public	Web browsing slow at the branch: DNS lookups time out	The router forwards DNS to a resolver over the VPN that is overloaded; the first resolver times out before the second is tried.	Pages take seconds to start loading\nnslookup times out on the first try	Use a local resolver\nEnable DNS caching on the router\nLower the resolver timeout	dns performance	{routers}	{dns,performance}	1	2026-12-02 07:58:38.630427+00
c81c7b9d-3a60-499a-8ef1-3fd383757d93	acme	public	Network outage from a switching loop: spanning tree	A cable plugged between two access ports created a loop on a switch where spanning tree was disabled. Broadcasts circulate forever and saturate every link.	Whole office network down\nSwitch port LEDs blink in unison\nBroadcast storm	Unplug the looped cable\nEnable rapid spanning tree on all switches\nEnable BPDU guard on edge ports	stp loop network	{switches}	{stp,loop,network}	1	2026-12-02 07:58:38.498241+00
63046d63-ec73-4cf7-ab40-cbdc45253cbe	acme	public	Switch stack splits after the master reboots	When the stack cable is faulty the members cannot elect a single master after a reboot and the stack splits into two.	Half of the access ports go down\nTwo switches both claim to be stack master	Replace the stack cable\nSet master priority on the intended master\nReload the standby member	stack high-availability	{switches}	{stack,high-availability}	1	2026-12-02 07:58:38.511539+00
ecfbcdfd-0f9c-4cf5-9302-a822893ac4bc	acme	public	Access points and phones lose power: PoE budget exceeded	The switch power supply cannot feed every powered device at its class maximum; ports beyond the budget are denied power.	New access points do not power up\nIP phones reboot randomly	Check the PoE budget on the switch\nSet port priorities for critical devices\nAdd a second power supply	poe power	{switches}	{poe,power}	1	2026-12-02 07:58:38.525812+00
4f8ec9b5-9385-4812-8c54-bde085514187	acme	public	Wi-Fi calls drop when walking between access points	Without fast roaming (802.11r) clients do a full reauthentication at each access point, which takes too long for voice.	Voice calls drop when moving around the office\nLaptops stick to a far access point	Enable 802.11r fast transition\nLower the minimum basic rate\nTune transmit power	wireless roaming	{wifi}	{wireless,roaming}	1	2026-12-02 07:58:38.539012+00
7469e69a-71d1-4c09-b7b4-2eb4f1e461a0	acme	public	SSO login fails with SAML assertion not yet valid	The identity provider and the appliance disagree about the time. A SAML assertion issued a few seconds in the future is rejected.	Users cannot log in through single sign-on\nError: assertion is not yet valid	Point both at the same NTP servers\nAllow 120 s clock skew\nRetry the login	saml authentication login	{sso}	{saml,authentication,login}	1	2026-12-02 07:58:38.552663+00
24f7dd8f-a71d-4061-a8c6-59b420920367	acme	public	Single sign-on stops working after the identity provider rotated its signing certificate	The identity provider rolled over its SAML signing certificate and the appliance still trusts only the old one.	All SSO logins fail on the same morning\nSignature validation failed in the log	Import the new IdP metadata\nEnable automatic metadata refresh	saml certificates login	{sso}	{saml,certificates,login}	1	2026-12-02 07:58:38.565784+00
984f3a35-0326-466e-ba4f-92bfaccb81ef	acme	public	Administrator locked out after losing the MFA token	The administrator's authenticator was reset. Local break-glass accounts are exempt from MFA for exactly this case.	Admin cannot log in to the management console\nMFA code rejected	Log in with the break-glass account\nReset the admin's MFA enrolment\nRotate the break-glass password	mfa authentication	{sso}	{mfa,authentication}	1	2026-12-02 07:58:38.578412+00
0e8805da-dbcc-430d-a3b2-0b7d1d3dc24d	acme	public	Nightly configuration backup job fails with authentication error	The backup account's password was rotated on the devices but not in the backup job, or SCP is disabled after hardening.	Backup job report shows failed devices\nAuthentication failed over SCP	Update the backup credentials\nEnable SCP for the backup account\nRun the job by hand	backup configuration	{routers,firewalls}	{backup,configuration}	1	2026-12-02 07:58:38.591364+00
39af885f-4f11-4c99-9cd8-6df161e16483	acme	public	Restoring a device configuration from backup	Configuration archives keep the last 30 versions on the device and the backup server. A rollback replaces the running configuration atomically.	A bad change took a site down\nNeed to roll back to last night's configuration	List the archived versions\nRoll back to the chosen version\nSave and verify	backup rollback	{routers,firewalls}	{backup,rollback}	1	2026-12-02 07:58:38.603836+00
c757f978-aa36-433c-9897-a417098581b8	acme	partners	Upgrading a firewall cluster without downtime	Upgrade the standby first, fail over, then upgrade the former active. Check session synchronisation before each failover.	Customers need firmware upgrades without an outage	Upgrade the standby member\nFail over and verify sessions\nUpgrade the other member	firmware upgrade best-practice	{firewalls}	{firmware,upgrade,best-practice}	1	2026-12-02 07:58:38.669877+00
b7911546-6410-46cd-9cff-a68abe509103	acme	partners	Branch rollout checklist: router, switch and VPN in one visit	Northwind's checklist for installing a branch in one visit: pre-staged configuration, VPN test from the depot, VLAN and PoE check on site, and a handover test call.	Repeat site visits after a branch go-live\nTunnels and VLANs missing after installation	Pre-stage the router configuration\nTest the VPN from the depot\nCheck VLANs and PoE on site	rollout best-practice	{routers,switches}	{rollout,best-practice}	1	2026-12-02 07:58:38.648199+00
3b6a4161-7976-41c4-ac02-04d76fce3719	acme	public	LTE backup link does not take over when the fibre fails	The tracked object that watches the primary link pings the local gateway, which stays up when the fibre fails further upstream.	Branch offline although the LTE modem has signal\nDefault route still points at the fibre	Track an address beyond the ISP\nCheck the floating static route's distance\nTest by unplugging	lte wan failover	{routers}	{lte,wan,failover}	1	2026-12-02 07:58:38.683731+00
\.


--
-- Data for Name: shared_notes; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.shared_notes (incident_id, note_id, seq, body) FROM stdin;
e83e2e4f-d735-44e4-a1c0-285572c6af05	fe46d02b-f071-4fd5-9242-9e10a45792ca	1	shared note
4d1d5197-d460-416c-b801-4540f4b5c79f	23b23b58-9cf2-48c6-8a27-75f288d7c90a	2	shared note
4d1d5197-d460-416c-b801-4540f4b5c79f	0403108d-ac81-458a-9a28-056317c1d322	3	logs attached
20dd4880-f1ff-4553-93aa-dfa0bb3a85e7	95fab0f4-fb0a-4be5-8f1a-f361065b44cf	4	shared note
20dd4880-f1ff-4553-93aa-dfa0bb3a85e7	b78a1d71-f0f5-4436-96aa-f6165efc4547	5	any news?
\.


--
-- Data for Name: solves; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.solves (incident_id, article_id, solved_at) FROM stdin;
e83e2e4f-d735-44e4-a1c0-285572c6af05	3f833918-6e21-4ef8-b81e-e7c4b6d024b4	2026-12-02 07:58:43.423095+00
\.


--
-- Data for Name: stream_positions; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.stream_positions (consumer, stream_id, version) FROM stdin;
knowledge	20dd4880-f1ff-4553-93aa-dfa0bb3a85e7	13
knowledge	4d1d5197-d460-416c-b801-4540f4b5c79f	11
knowledge	e83e2e4f-d735-44e4-a1c0-285572c6af05	10
\.


--
-- Data for Name: suggestions; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.suggestions (incident_id, article_id, audience, rank, score) FROM stdin;
e83e2e4f-d735-44e4-a1c0-285572c6af05	3f833918-6e21-4ef8-b81e-e7c4b6d024b4	public	1	10
e83e2e4f-d735-44e4-a1c0-285572c6af05	0f1f843a-85a1-4cb2-9c4d-3ca86c96e531	public	3	4.8
e83e2e4f-d735-44e4-a1c0-285572c6af05	931989ab-f7ee-43f8-9fc8-de0df66b9f98	public	5	3.6
e83e2e4f-d735-44e4-a1c0-285572c6af05	b7911546-6410-46cd-9cff-a68abe509103	partners	2	7.6
e83e2e4f-d735-44e4-a1c0-285572c6af05	a681c671-d8ed-4c8e-a4e6-c126d46665b4	provider	4	3.6
4d1d5197-d460-416c-b801-4540f4b5c79f	3f833918-6e21-4ef8-b81e-e7c4b6d024b4	public	1	7.6
4d1d5197-d460-416c-b801-4540f4b5c79f	0f1f843a-85a1-4cb2-9c4d-3ca86c96e531	public	3	6.8
4d1d5197-d460-416c-b801-4540f4b5c79f	931989ab-f7ee-43f8-9fc8-de0df66b9f98	public	4	4.4
4d1d5197-d460-416c-b801-4540f4b5c79f	b7911546-6410-46cd-9cff-a68abe509103	partners	2	7.6
4d1d5197-d460-416c-b801-4540f4b5c79f	a681c671-d8ed-4c8e-a4e6-c126d46665b4	provider	5	3.6
20dd4880-f1ff-4553-93aa-dfa0bb3a85e7	3f833918-6e21-4ef8-b81e-e7c4b6d024b4	public	1	6
20dd4880-f1ff-4553-93aa-dfa0bb3a85e7	931989ab-f7ee-43f8-9fc8-de0df66b9f98	public	3	3.6
20dd4880-f1ff-4553-93aa-dfa0bb3a85e7	39af885f-4f11-4c99-9cd8-6df161e16483	public	5	0.8
20dd4880-f1ff-4553-93aa-dfa0bb3a85e7	b7911546-6410-46cd-9cff-a68abe509103	partners	2	4.8
20dd4880-f1ff-4553-93aa-dfa0bb3a85e7	a681c671-d8ed-4c8e-a4e6-c126d46665b4	provider	4	2.8
\.


--
-- Name: dead_letters_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.dead_letters_id_seq', 1, false);


--
-- Name: events_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.events_id_seq', 64, true);


--
-- Name: shared_notes_seq_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.shared_notes_seq_seq', 5, true);


--
-- Name: alembic_version alembic_version_pkc; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.alembic_version
    ADD CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num);


--
-- Name: article_versions article_versions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.article_versions
    ADD CONSTRAINT article_versions_pkey PRIMARY KEY (article_id, version);


--
-- Name: articles articles_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.articles
    ADD CONSTRAINT articles_pkey PRIMARY KEY (article_id);


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
-- Name: feedback feedback_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.feedback
    ADD CONSTRAINT feedback_pkey PRIMARY KEY (article_id, party);


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
-- Name: incidents incidents_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.incidents
    ADD CONSTRAINT incidents_pkey PRIMARY KEY (incident_id);


--
-- Name: links links_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.links
    ADD CONSTRAINT links_pkey PRIMARY KEY (incident_id, article_id);


--
-- Name: search_docs search_docs_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.search_docs
    ADD CONSTRAINT search_docs_pkey PRIMARY KEY (article_id);


--
-- Name: shared_notes shared_notes_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.shared_notes
    ADD CONSTRAINT shared_notes_pkey PRIMARY KEY (incident_id, note_id);


--
-- Name: solves solves_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.solves
    ADD CONSTRAINT solves_pkey PRIMARY KEY (incident_id, article_id);


--
-- Name: stream_positions stream_positions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.stream_positions
    ADD CONSTRAINT stream_positions_pkey PRIMARY KEY (consumer, stream_id);


--
-- Name: suggestions suggestions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.suggestions
    ADD CONSTRAINT suggestions_pkey PRIMARY KEY (incident_id, article_id);


--
-- Name: articles_by_party; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX articles_by_party ON public.articles USING btree (provider, author_party, status);


--
-- Name: events_unpublished; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX events_unpublished ON public.events USING btree (tx_id, id) WHERE ("position" IS NULL);


--
-- Name: idempotency_keys_expiry; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idempotency_keys_expiry ON public.idempotency_keys USING btree (expires_at);


--
-- Name: links_article; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX links_article ON public.links USING btree (article_id);


--
-- Name: search_docs_about; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX search_docs_about ON public.search_docs USING gin (about);


--
-- Name: search_docs_products; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX search_docs_products ON public.search_docs USING gin (products);


--
-- Name: search_docs_tags; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX search_docs_tags ON public.search_docs USING gin (tags);


--
-- Name: search_docs_title_trgm; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX search_docs_title_trgm ON public.search_docs USING gin (title public.gin_trgm_ops);


--
-- Name: search_docs_tsv; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX search_docs_tsv ON public.search_docs USING gin (tsv);


--
-- Name: solves_article; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX solves_article ON public.solves USING btree (article_id);


--
-- PostgreSQL database dump complete
--

\unrestrict V4Yv0kZixMS09wVEykvyR74kjXYeTAukxd1dMqbwmGK7PTvgbqLfEHc6OUIS4aA

