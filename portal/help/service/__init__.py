"""The help area's services: reading and storing what debtors tell us, write and choose. They flush, never commit."""
