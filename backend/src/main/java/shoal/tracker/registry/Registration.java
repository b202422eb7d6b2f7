package shoal.tracker.registry;

import java.util.UUID;

/** A newly registered peer: its id and the bearer token it proves itself with from now on. */
public record Registration(UUID peerId, String token) {}
