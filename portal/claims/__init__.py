"""Claims: a complete inquiry filed with the insurer, its submission pack and the payout SLA."""
