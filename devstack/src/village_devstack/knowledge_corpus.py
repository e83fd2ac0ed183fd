"""The demo knowledge base: realistic articles of acme (the provider: routers and firewalls, with
switches, VPN, SSO and backups around them) and a few of its partner northwind. `make run` seeds
them (village_devstack.demo.seed_knowledge); the relevance test labels queries against them by slug.
Demo data only: the knowledge service ships none.
"""

from __future__ import annotations

from typing import Any


def _a(
    slug: str,
    author: str,
    audience: str,
    products: list[str],
    tags: list[str],
    title: str,
    symptoms: list[str],
    body: str,
    steps: list[str],
) -> dict[str, Any]:
    return {
        "slug": slug,
        "author": author,
        "article": {
            "title": title,
            "body": body,
            "audience": audience,
            "products": products,
            "tags": tags,
            "symptoms": symptoms,
            "resolution_steps": steps,
        },
    }


ARTICLES: tuple[dict[str, Any], ...] = (
    _a(
        "ipsec-lifetime-mismatch",
        "acme",
        "public",
        ["routers"],
        ["vpn", "ipsec", "firmware"],
        "IPsec tunnel flaps every few minutes after a firmware upgrade",
        [
            "Site-to-site VPN tunnel drops and comes back every few minutes",
            "IKE SA rekey failures in the log",
        ],
        "Since router firmware 17.3.1 the default IKE phase 1 lifetime is 3600 s. A peer still on "
        "16.x uses 86400 s, so the peers rekey out of step and the tunnel flaps until both agree.",
        [
            "Set the IKE lifetime to 28800 s on both peers",
            "Clear the security associations",
            "Watch one rekey",
        ],
    ),
    _a(
        "vpn-mtu-fragmentation",
        "acme",
        "public",
        ["routers"],
        ["vpn", "mtu", "performance"],
        "Slow file transfers and stalled web pages over the branch VPN",
        [
            "Small pings work but large transfers stall over the VPN",
            "SMB copies hang at a few percent",
        ],
        "Packets close to 1500 bytes do not fit once the IPsec overhead is added. Without TCP MSS "
        "clamping they are fragmented or dropped when the path blocks ICMP fragmentation-needed "
        "messages.",
        [
            "Clamp the TCP MSS to 1360 on the tunnel interface",
            "Set the tunnel MTU to 1400",
            "Retest with a large ping",
        ],
    ),
    _a(
        "bgp-neighbor-flap-hold-timer",
        "acme",
        "public",
        ["routers"],
        ["bgp", "routing"],
        "BGP neighbor flaps with hold timer expired",
        ["BGP session to the ISP resets every few minutes", "Log shows hold timer expired"],
        "Keepalives are lost when the uplink is saturated or the control plane is policed too "
        "hard. The session then resets after the hold time and routes are withdrawn.",
        [
            "Check interface drops on the uplink",
            "Prioritise BGP in the control plane policy",
            "Lower keepalive to 10 s and hold to 30 s on both sides",
        ],
    ),
    _a(
        "router-high-cpu-after-upgrade",
        "acme",
        "public",
        ["routers"],
        ["cpu", "firmware", "performance"],
        "Router CPU at 100 percent after upgrading to 17.3",
        [
            "CPU pinned at 100 percent",
            "SSH to the router is very slow",
            "Routing protocol timeouts",
        ],
        "Firmware 17.3.0 enables deep flow telemetry by default. On small branch routers the "
        "export process consumes all CPU when many flows are active.",
        [
            "Disable flow telemetry export or raise the sampling rate",
            "Upgrade to 17.3.2",
            "Reload the router",
        ],
    ),
    _a(
        "router-memory-leak-ike",
        "acme",
        "provider",
        ["routers"],
        ["defect", "memory", "vpn", "internal"],
        "Known defect: IKE daemon memory leak in 17.3.1 (engineering workaround)",
        ["Router free memory shrinks day by day", "IKE daemon restarts and all tunnels drop"],
        "Engineering confirmed a leak in the IKE daemon when dead peer detection fires during a "
        "rekey. Fix scheduled for 17.3.2. Do not share the internal defect id with customers.",
        [
            "Schedule a nightly restart of the IKE daemon",
            "Disable DPD on idle tunnels until 17.3.2",
        ],
    ),
    _a(
        "firewall-ha-failover-loop",
        "acme",
        "public",
        ["firewalls"],
        ["high-availability", "cluster"],
        "Firewall high availability pair keeps failing over",
        [
            "Active and standby firewall swap roles every few minutes",
            "Sessions drop on each failover",
        ],
        "Heartbeats between the cluster members travel over a single link. When that link flaps "
        "both nodes believe the peer is dead and the cluster fails over again and again.",
        [
            "Use two dedicated heartbeat links",
            "Raise the heartbeat threshold to 3 missed beats",
            "Enable preemption delay of 60 s",
        ],
    ),
    _a(
        "firewall-nat-port-exhaustion",
        "acme",
        "public",
        ["firewalls"],
        ["nat", "performance"],
        "Outbound connections fail intermittently: NAT port exhaustion",
        ["Some outbound connections time out during busy hours", "NAT pool usage at 100 percent"],
        "All users share one public address for source NAT. With about 64,000 ports per address "
        "and long idle timeouts the pool runs out at peak time.",
        [
            "Add addresses to the NAT pool",
            "Lower the UDP idle timeout to 30 s",
            "Check for a scanning host",
        ],
    ),
    _a(
        "firewall-policy-shadowing",
        "acme",
        "partners",
        ["firewalls"],
        ["policy", "rules"],
        "New firewall rule has no effect: shadowed by an earlier rule",
        ["Traffic is still blocked after adding an allow rule", "Rule hit counter stays at zero"],
        "Rules are evaluated top down and the first match wins. A broader deny above the new rule "
        "shadows it. The policy analyser lists shadowed rules.",
        [
            "Run the policy analyser",
            "Move the new rule above the broader deny",
            "Check the hit counter",
        ],
    ),
    _a(
        "firewall-ssl-inspection-certificate",
        "acme",
        "public",
        ["firewalls"],
        ["tls", "certificates"],
        "Browsers show certificate warnings after enabling SSL inspection",
        ["Every HTTPS site shows an untrusted certificate warning", "Some apps refuse to connect"],
        "With TLS inspection the firewall re-signs server certificates with its own CA. Clients "
        "that do not trust that CA warn; pinned applications fail entirely.",
        [
            "Deploy the firewall CA to clients by group policy",
            "Exempt pinned applications from inspection",
        ],
    ),
    _a(
        "firewall-license-expired-threat",
        "acme",
        "public",
        ["firewalls"],
        ["license", "threat-prevention"],
        "Threat prevention signatures stopped updating",
        ["Signature version is weeks old", "Dashboard warns the subscription expired"],
        "Threat prevention needs a valid subscription; after expiry the firewall keeps old "
        "signatures and blocks nothing new.",
        [
            "Renew the subscription",
            "Refresh the license from the portal",
            "Force a signature update",
        ],
    ),
    _a(
        "switch-spanning-tree-loop",
        "acme",
        "public",
        ["switches"],
        ["stp", "loop", "network"],
        "Network outage from a switching loop: spanning tree",
        ["Whole office network down", "Switch port LEDs blink in unison", "Broadcast storm"],
        "A cable plugged between two access ports created a loop on a switch where spanning tree "
        "was disabled. Broadcasts circulate forever and saturate every link.",
        [
            "Unplug the looped cable",
            "Enable rapid spanning tree on all switches",
            "Enable BPDU guard on edge ports",
        ],
    ),
    _a(
        "switch-stack-master-lost",
        "acme",
        "public",
        ["switches"],
        ["stack", "high-availability"],
        "Switch stack splits after the master reboots",
        ["Half of the access ports go down", "Two switches both claim to be stack master"],
        "When the stack cable is faulty the members cannot elect a single master after a reboot "
        "and the stack splits into two.",
        [
            "Replace the stack cable",
            "Set master priority on the intended master",
            "Reload the standby member",
        ],
    ),
    _a(
        "poe-budget-exceeded",
        "acme",
        "public",
        ["switches"],
        ["poe", "power"],
        "Access points and phones lose power: PoE budget exceeded",
        ["New access points do not power up", "IP phones reboot randomly"],
        "The switch power supply cannot feed every powered device at its class maximum; ports "
        "beyond the budget are denied power.",
        [
            "Check the PoE budget on the switch",
            "Set port priorities for critical devices",
            "Add a second power supply",
        ],
    ),
    _a(
        "wifi-roaming-drops",
        "acme",
        "public",
        ["wifi"],
        ["wireless", "roaming"],
        "Wi-Fi calls drop when walking between access points",
        ["Voice calls drop when moving around the office", "Laptops stick to a far access point"],
        "Without fast roaming (802.11r) clients do a full reauthentication at each access point, "
        "which takes too long for voice.",
        ["Enable 802.11r fast transition", "Lower the minimum basic rate", "Tune transmit power"],
    ),
    _a(
        "sso-saml-clock-skew",
        "acme",
        "public",
        ["sso"],
        ["saml", "authentication", "login"],
        "SSO login fails with SAML assertion not yet valid",
        ["Users cannot log in through single sign-on", "Error: assertion is not yet valid"],
        "The identity provider and the appliance disagree about the time. A SAML assertion issued "
        "a few seconds in the future is rejected.",
        ["Point both at the same NTP servers", "Allow 120 s clock skew", "Retry the login"],
    ),
    _a(
        "sso-certificate-rollover",
        "acme",
        "public",
        ["sso"],
        ["saml", "certificates", "login"],
        "Single sign-on stops working after the identity provider rotated its signing certificate",
        ["All SSO logins fail on the same morning", "Signature validation failed in the log"],
        "The identity provider rolled over its SAML signing certificate and the appliance still "
        "trusts only the old one.",
        ["Import the new IdP metadata", "Enable automatic metadata refresh"],
    ),
    _a(
        "admin-mfa-lockout",
        "acme",
        "public",
        ["sso"],
        ["mfa", "authentication"],
        "Administrator locked out after losing the MFA token",
        ["Admin cannot log in to the management console", "MFA code rejected"],
        "The administrator's authenticator was reset. Local break-glass accounts are exempt from "
        "MFA for exactly this case.",
        [
            "Log in with the break-glass account",
            "Reset the admin's MFA enrolment",
            "Rotate the break-glass password",
        ],
    ),
    _a(
        "backup-config-job-fails",
        "acme",
        "public",
        ["routers", "firewalls"],
        ["backup", "configuration"],
        "Nightly configuration backup job fails with authentication error",
        ["Backup job report shows failed devices", "Authentication failed over SCP"],
        "The backup account's password was rotated on the devices but not in the backup job, or "
        "SCP is disabled after hardening.",
        [
            "Update the backup credentials",
            "Enable SCP for the backup account",
            "Run the job by hand",
        ],
    ),
    _a(
        "backup-restore-config-rollback",
        "acme",
        "public",
        ["routers", "firewalls"],
        ["backup", "rollback"],
        "Restoring a device configuration from backup",
        ["A bad change took a site down", "Need to roll back to last night's configuration"],
        "Configuration archives keep the last 30 versions on the device and the backup server. A "
        "rollback replaces the running configuration atomically.",
        ["List the archived versions", "Roll back to the chosen version", "Save and verify"],
    ),
    _a(
        "dhcp-scope-exhausted",
        "acme",
        "public",
        ["routers"],
        ["dhcp", "addressing"],
        "New devices get no IP address: DHCP scope exhausted",
        ["Laptops show a self-assigned 169.254 address", "DHCP pool utilisation at 100 percent"],
        "The branch router's DHCP pool is too small for the number of devices and the lease time "
        "is a week.",
        ["Enlarge the pool", "Shorten the lease time to 8 hours", "Clear stale bindings"],
    ),
    _a(
        "dns-resolution-slow",
        "acme",
        "public",
        ["routers"],
        ["dns", "performance"],
        "Web browsing slow at the branch: DNS lookups time out",
        ["Pages take seconds to start loading", "nslookup times out on the first try"],
        "The router forwards DNS to a resolver over the VPN that is overloaded; the first resolver "
        "times out before the second is tried.",
        ["Use a local resolver", "Enable DNS caching on the router", "Lower the resolver timeout"],
    ),
    _a(
        "nw-branch-rollout-checklist",
        "northwind",
        "partners",
        ["routers", "switches"],
        ["rollout", "best-practice"],
        "Branch rollout checklist: router, switch and VPN in one visit",
        [
            "Repeat site visits after a branch go-live",
            "Tunnels and VLANs missing after installation",
        ],
        "Northwind's checklist for installing a branch in one visit: pre-staged configuration, VPN "
        "test from the depot, VLAN and PoE check on site, and a handover test call.",
        [
            "Pre-stage the router configuration",
            "Test the VPN from the depot",
            "Check VLANs and PoE on site",
        ],
    ),
    _a(
        "nw-firewall-upgrade-window",
        "northwind",
        "partners",
        ["firewalls"],
        ["firmware", "upgrade", "best-practice"],
        "Upgrading a firewall cluster without downtime",
        ["Customers need firmware upgrades without an outage"],
        "Upgrade the standby first, fail over, then upgrade the former active. Check session "
        "synchronisation before each failover.",
        ["Upgrade the standby member", "Fail over and verify sessions", "Upgrade the other member"],
    ),
    _a(
        "lte-backup-link-failover",
        "acme",
        "public",
        ["routers"],
        ["lte", "wan", "failover"],
        "LTE backup link does not take over when the fibre fails",
        [
            "Branch offline although the LTE modem has signal",
            "Default route still points at the fibre",
        ],
        "The tracked object that watches the primary link pings the local gateway, which stays up "
        "when the fibre fails further upstream.",
        [
            "Track an address beyond the ISP",
            "Check the floating static route's distance",
            "Test by unplugging",
        ],
    ),
)

# Labelled queries for the relevance test: what an engineer types -> the articles that answer it.
# globex's own knowledge base (firewalls and VPN appliances): its staff and its partners read it,
# never acme's, and acme never reads it. Not in QUERIES: the relevance labels are acme's corpus.
GLOBEX_ARTICLES: tuple[dict[str, Any], ...] = (
    _a(
        "globex-fw-session-table-full",
        "globex",
        "partners",
        ["globex-firewalls"],
        ["firewall", "sessions"],
        "Globex firewall drops new connections when the session table is full",
        ["new connections time out", "existing sessions keep working", "session table 100%"],
        "Firmware 9.1 keeps half-open sessions for 120 s; a scan fills the table.",
        ["Upgrade to firmware 9.1.4", "Set the half-open timeout to 10 s"],
    ),
    _a(
        "globex-vpn-dpd-flaps",
        "globex",
        "public",
        ["globex-vpn"],
        ["vpn", "dpd"],
        "Globex VPN tunnels flap every few minutes behind carrier NAT",
        ["tunnel down and up every 3 minutes", "dead peer detection timeouts"],
        "Carrier-grade NAT drops idle UDP 4500 mappings before the DPD interval.",
        ["Lower the DPD interval to 20 s", "Enable NAT keepalives"],
    ),
)


QUERIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("vpn tunnel keeps dropping", ("ipsec-lifetime-mismatch", "router-memory-leak-ike")),
    ("large file transfer stalls over vpn", ("vpn-mtu-fragmentation",)),
    ("bgp hold timer expired", ("bgp-neighbor-flap-hold-timer",)),
    ("router cpu 100 percent", ("router-high-cpu-after-upgrade",)),
    ("firewall cluster failover", ("firewall-ha-failover-loop", "nw-firewall-upgrade-window")),
    ("outbound connections fail nat", ("firewall-nat-port-exhaustion",)),
    ("certificate warning https inspection", ("firewall-ssl-inspection-certificate",)),
    ("broadcast storm network down", ("switch-spanning-tree-loop",)),
    ("phones lose power poe", ("poe-budget-exceeded",)),
    ("saml login fails", ("sso-saml-clock-skew", "sso-certificate-rollover")),
    ("locked out mfa", ("admin-mfa-lockout",)),
    ("configuration backup failed", ("backup-config-job-fails", "backup-restore-config-rollback")),
    ("no ip address dhcp", ("dhcp-scope-exhausted",)),
    ("lte backup not working", ("lte-backup-link-failover",)),
    ("wifi calls drop roaming", ("wifi-roaming-drops",)),
)
