"""One construct per capability; `infra.stack` composes them and wires the grants."""
