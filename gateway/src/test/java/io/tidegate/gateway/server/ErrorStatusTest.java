package io.tidegate.gateway.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.tidegate.gateway.backend.BackendUnavailableException;
import io.tidegate.gateway.resilience.SpoolFullException;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class ErrorStatusTest {

    @Test
    void aRefusedFrameKeepsItsCodeAndSaysWhatToFix() {
        Status s = ErrorStatus.of(FrameRejectedException.invalid("topic is empty; name one"));

        assertThat(s.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(s.getDescription()).isEqualTo("topic is empty; name one");
    }

    @Test
    void aFullSpoolIsResourceExhaustedEvenWhenWrappedByAFuture() {
        Status s = ErrorStatus.ofAppend(new CompletionException(new SpoolFullException(10, 5, 12)));

        assertThat(s.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(s.getDescription()).contains("disk spool is full").contains("retry with backoff");
    }

    @Test
    void anAppendTheBackendFailedIsUnavailableAndToBeRetriedWithTheSameId() {
        Status s = ErrorStatus.ofAppend(new BackendUnavailableException("connection refused", null));

        assertThat(s.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(s.getDescription()).contains("connection refused").endsWith("retry with the same id");
    }

    @Test
    void aGrpcStatusStaysAndAnythingElseIsInternal() {
        assertThat(ErrorStatus.of(Status.CANCELLED.asRuntimeException()).getCode()).isEqualTo(Status.Code.CANCELLED);
        assertThat(ErrorStatus.of(new IllegalStateException("bug")).getCode()).isEqualTo(Status.Code.INTERNAL);
    }

    @Test
    void theErrorOfOneMessageCarriesTheSameCodeAndDescription() {
        var error = ErrorStatus.toError(Status.RESOURCE_EXHAUSTED.withDescription("slow down"));

        assertThat(error.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED.value());
        assertThat(error.getMessage()).isEqualTo("slow down");
    }
}
