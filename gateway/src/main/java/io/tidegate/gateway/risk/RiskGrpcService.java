package io.tidegate.gateway.risk;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.tidegate.gateway.security.Identity;
import io.tidegate.gateway.server.AttachedService;
import io.tidegate.proto.v1.KillRequest;
import io.tidegate.proto.v1.KillResponse;
import io.tidegate.proto.v1.ListKillsRequest;
import io.tidegate.proto.v1.ListKillsResponse;
import io.tidegate.proto.v1.ReviveRequest;
import io.tidegate.proto.v1.ReviveResponse;
import io.tidegate.proto.v1.RiskServiceGrpc;

/**
 * {@code tidegate.v1.RiskService}: the kill switch over gRPC. With authentication on, every call
 * needs the role {@code risk.admin-role} (else PERMISSION_DENIED naming it); with it off, anyone
 * who reaches the port may call it (the gateway listens on loopback until secured).
 *
 * <p>Threading: called on gRPC's executor threads; a call may wait for a Redis round trip.
 */
public final class RiskGrpcService extends RiskServiceGrpc.RiskServiceImplBase implements AttachedService {

    private final KillSwitches kills;
    private final String adminRole;

    public RiskGrpcService(KillSwitches kills, String adminRole) {
        this.kills = kills;
        this.adminRole = adminRole;
    }

    @Override
    public void kill(KillRequest request, StreamObserver<KillResponse> out) {
        String by = authorised(out);
        if (by == null) {
            return;
        }
        try {
            out.onNext(KillResponse.newBuilder()
                    .setKill(kills.kill(request.getScope(), request.getName(), request.getReason(), by)).build());
            out.onCompleted();
        } catch (IllegalArgumentException e) {
            out.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
        } catch (RuntimeException e) {
            out.onError(unavailable(e));
        }
    }

    @Override
    public void revive(ReviveRequest request, StreamObserver<ReviveResponse> out) {
        String by = authorised(out);
        if (by == null) {
            return;
        }
        try {
            out.onNext(ReviveResponse.newBuilder().setWasKilled(kills.revive(request.getScope(), request.getName(), by))
                    .build());
            out.onCompleted();
        } catch (IllegalArgumentException e) {
            out.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
        } catch (RuntimeException e) {
            out.onError(unavailable(e));
        }
    }

    @Override
    public void listKills(ListKillsRequest request, StreamObserver<ListKillsResponse> out) {
        if (authorised(out) == null) {
            return;
        }
        out.onNext(ListKillsResponse.newBuilder().addAllKills(kills.list()).build());
        out.onCompleted();
    }

    /** The caller's name when it may use the kill switch; else answers PERMISSION_DENIED and returns null. */
    private String authorised(StreamObserver<?> out) {
        Identity who = Identity.current();
        if (who == null) {
            return "anonymous";
        }
        if (who.hasRole(adminRole)) {
            return who.name();
        }
        out.onError(Status.PERMISSION_DENIED.withDescription(who.name() + " may not use the kill switch: it needs the role \""
                + adminRole + "\" (risk.admin-role)").asRuntimeException());
        return null;
    }

    private static RuntimeException unavailable(RuntimeException e) {
        return Status.UNAVAILABLE.withDescription("the kill switches cannot be written now (" + e.getMessage()
                + "); retry, or kill on the admin port of a replica that reaches Redis").withCause(e).asRuntimeException();
    }

    @Override
    public void startDraining() {
        // unary calls only: nothing stays open
    }
}
