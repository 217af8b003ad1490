"""Otto's three request roles, the Clerk alias table and the role hierarchy."""

MANAGER, CSR, SALES_REP = "manager", "csr", "sales_rep"
ROLES = (MANAGER, CSR, SALES_REP)

CLERK_ALIASES = {
    "admin": MANAGER, "org:admin": MANAGER, "exec": MANAGER, "executive": MANAGER,
    "manager": MANAGER, "org:manager": MANAGER,
    "csr": CSR, "org:csr": CSR,
    "rep": SALES_REP, "sales_rep": SALES_REP, "org:sales_rep": SALES_REP,
    "org:member": SALES_REP, "basic_member": SALES_REP,
}

# Otto role -> the Clerk membership role used when inviting or creating memberships.
CLERK_ROLE_FOR = {MANAGER: "org:admin", CSR: "org:csr", SALES_REP: "org:sales_rep"}

# Aliases allowed in endpoint role lists.
DECLARATION_ALIASES = {"admin": MANAGER, "leadership": MANAGER, "exec": MANAGER,
                       "executive": MANAGER, "rep": SALES_REP}


def otto_role(clerk_role: str | None) -> str | None:
    """Map a Clerk role value to an Otto role; None when it is not in the alias table."""
    if clerk_role is None:
        return None
    return CLERK_ALIASES.get(clerk_role.strip().lower())


def normalize_declared(roles) -> frozenset[str]:
    return frozenset(DECLARATION_ALIASES.get(role, role) for role in roles)


def role_allows(caller_role: str, allowed: frozenset[str], exact: bool = False) -> bool:
    """Manager passes every list except exact ones; csr and sales_rep are unranked siblings."""
    if caller_role in allowed:
        return True
    return caller_role == MANAGER and not exact
