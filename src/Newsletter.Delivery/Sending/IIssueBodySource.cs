using Newsletter.Core.Lists;
using Newsletter.Delivery.Messages;

namespace Newsletter.Delivery.Sending;

/// <summary>Where <see cref="BatchSender"/> gets an issue's encoded body for a list: rendered and encoded once per process, not per batch.</summary>
public interface IIssueBodySource
{
    /// <exception cref="InvalidOperationException">The issue is not in the store.</exception>
    /// <exception cref="Rendering.TemplateException">A template does not compile or throws.</exception>
    Task<EncodedIssueBody> GetBodyAsync(int issueNumber, ListIdentity list, CancellationToken cancellationToken);
}
