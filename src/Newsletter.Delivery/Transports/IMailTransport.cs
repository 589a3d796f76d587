namespace Newsletter.Delivery.Transports;

/// <summary>Somewhere messages can be handed to. Open one session per worker and reuse it for a whole batch.</summary>
public interface IMailTransport
{
    /// <summary>Where mail goes, for logs and the CLI, e.g. <c>pickup folder /srv/newsletter/data/outbox</c> or <c>smtp://mail.example.com:587</c>.</summary>
    string Describe();

    /// <summary>Opens a session (for SMTP: connects, secures and authenticates one connection).</summary>
    /// <exception cref="DeliveryException">The session could not be opened; <see cref="DeliveryException.Failure"/> says why
    /// (<see cref="DeliveryFailure.SessionRefused"/> or <see cref="DeliveryFailure.SenderRefused"/>: only a person can fix it).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="ct"/> was cancelled.</exception>
    Task<IMailTransportSession> OpenSessionAsync(CancellationToken ct);
}
