// Placeholder until the syntax module lands (branch scaffolding).
