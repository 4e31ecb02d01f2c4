"""Assets on the customer's sites and their maintenance: the register, PPM, defects, test history,
contracts."""
