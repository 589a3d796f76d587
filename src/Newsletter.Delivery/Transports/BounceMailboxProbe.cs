namespace Newsletter.Delivery.Transports;

/// <summary>What <see cref="ImapBounceMailbox.ProbeAsync"/> learned from the bounce mailbox without touching any message.</summary>
/// <param name="Server">The server, e.g. <c>imap://mail.example.com:143</c>.</param>
/// <param name="Tls">The negotiated TLS protocol, e.g. <c>TLS Tls13</c>, or null on an unencrypted connection.</param>
/// <param name="User">The login that was accepted.</param>
/// <param name="Folder">The folder bounces arrive in, as the server names it.</param>
/// <param name="Count">How many messages it holds.</param>
public sealed record BounceMailboxProbe(string Server, string? Tls, string User, string Folder, int Count);
