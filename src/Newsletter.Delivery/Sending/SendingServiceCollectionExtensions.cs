using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Newsletter.Core.Deliveries;
using Newsletter.Hosting.Configuration;

namespace Newsletter.Delivery.Sending;

public static class SendingServiceCollectionExtensions
{
    /// <summary>
    /// Binds and validates (at start-up) <see cref="SendingOptions"/>, and registers sending: <see cref="SendScheduler"/> (also as
    /// <see cref="ISendControl"/>) and its <see cref="SendQueue"/>, the stored renderings (<see cref="RenderedIssueCache"/>, the engine's <see cref="IIssueBodySource"/>),
    /// <see cref="ClaimRecovery"/> and the send engine: <see cref="BatchSender"/>, <see cref="MailConnectionPool"/>,
    /// <see cref="SendHalts"/>, <see cref="FullDiskStop"/> and <see cref="HaltRecorder"/> (which the host runs as a hosted service
    /// where batches run). The host provides what sending reads from elsewhere: the delivery log, suppression list and rate
    /// limiter (the store), the list names, an <see cref="ISendJobQueue"/> and an <see cref="IDiskFullErrors"/>;
    /// <see cref="DeliveryServiceCollectionExtensions.AddDelivery"/> the builder and transport.
    /// </summary>
    public static IServiceCollection AddSending(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<SendingOptions>().BindSection(SendingOptions.SectionName).ValidateSectionAnnotations().ValidateOnStart();
        services.TryAddSingleton<MailConnectionPool>();
        services.TryAddSingleton<SendHalts>();
        services.TryAddSingleton<FullDiskStop>();
        services.TryAddSingleton<HaltRecorder>();
        services.TryAddSingleton<BatchStore>();
        services.TryAddSingleton<BatchMessages>();
        services.TryAddSingleton<BatchSender>();
        services.TryAddSingleton<RenderedIssueCache>();
        services.TryAddSingleton<IIssueBodySource>(provider => provider.GetRequiredService<RenderedIssueCache>());
        services.TryAddSingleton<ClaimRecovery>();
        services.TryAddTransient<SendQueue>();
        services.TryAddTransient<SendScheduler>();
        services.TryAddTransient<ISendControl>(provider => provider.GetRequiredService<SendScheduler>());
        return services;
    }
}
