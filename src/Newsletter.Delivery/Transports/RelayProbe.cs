namespace Newsletter.Delivery.Transports;

/// <summary>What <see cref="SmtpMailTransport.ProbeAsync"/> learned from the relay without sending anything.</summary>
/// <param name="Server">The relay, e.g. <c>smtp://mail.example.com:587</c>.</param>
/// <param name="Extensions">The EHLO extensions it offered (after STARTTLS, when secured), e.g. <c>SIZE 10240000, PIPELINING, AUTH PLAIN LOGIN</c>.</param>
/// <param name="Tls">The negotiated TLS protocol and the certificate, or null on an unencrypted connection.</param>
/// <param name="RevocationNote">Set when the certificate was accepted without a revocation answer (soft-fail).</param>
/// <param name="AuthenticatedAs">The login that was accepted, or null when no login is configured.</param>
public sealed record RelayProbe(string Server, string Extensions, string? Tls, string? RevocationNote, string? AuthenticatedAs);
