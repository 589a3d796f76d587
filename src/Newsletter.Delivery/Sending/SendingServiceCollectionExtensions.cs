using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Newsletter.Hosting.Configuration;

namespace Newsletter.Delivery.Sending;

public static class SendingServiceCollectionExtensions
{
    /// <summary>
    /// Binds and validates (at start-up) <see cref="SendingOptions"/>, and registers the send engine: <see cref="BatchSender"/>,
    /// <see cref="MailConnectionPool"/>, <see cref="SendHalts"/>, <see cref="FullDiskStop"/> and <see cref="HaltRecorder"/> (which the
    /// host runs as a hosted service where batches run), as singletons. The host provides what the engine reads from
    /// elsewhere: the delivery log, suppression list and rate limiter (the store), an <see cref="IIssueBodySource"/> and an
    /// <see cref="IDiskFullErrors"/>; <see cref="DeliveryServiceCollectionExtensions.AddDelivery"/> the builder and transport.
    /// </summary>
    public static IServiceCollection AddSending(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<SendingOptions>().BindSection(SendingOptions.SectionName).ValidateSectionAnnotations().ValidateOnStart();
        services.TryAddSingleton<MailConnectionPool>();
        services.TryAddSingleton<SendHalts>();
        services.TryAddSingleton<FullDiskStop>();
        services.TryAddSingleton<HaltRecorder>();
        services.TryAddSingleton<BatchSender>();
        return services;
    }
}
