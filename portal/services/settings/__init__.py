"""The owner's settings (``/office/settings``): company details, branding, the portal's defaults and
lists, the payment gateway's status. Every change needs ``Duty.MANAGE_SETTINGS`` and is audited with
what it was before and after."""
