"""Assets in the back office: register, edit, transfer, retire, schedules; contracts; the lists."""
