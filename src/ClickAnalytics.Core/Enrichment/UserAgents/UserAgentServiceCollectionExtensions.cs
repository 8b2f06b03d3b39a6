using ClickAnalytics;
using ClickAnalytics.Enrichment;
using ClickAnalytics.Enrichment.UserAgents;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers user-agent parsing and the bot and user-agent stages.</summary>
internal static class UserAgentServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="UserAgentOptions"/> (bound from <c>ClickAnalytics:UserAgents</c>, validated at
    /// start), the shared <see cref="UserAgentParser"/> and both stages. Safe to call more than once.
    /// </summary>
    public static IServiceCollection AddUserAgentEnrichment(this IServiceCollection services)
    {
        services.AddOptions<UserAgentOptions>()
            .BindSectionIfConfigured(UserAgentOptions.SectionName)
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<UserAgentOptions>, UserAgentOptionsValidator>());
        services.TryAddSingleton<UserAgentParser>(static sp => new UserAgentParser(sp.GetRequiredService<IOptions<UserAgentOptions>>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IClickEnricher, BotEnricher>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IClickEnricher, UserAgentEnricher>());
        return services;
    }
}

[OptionsValidator]
internal sealed partial class UserAgentOptionsValidator : IValidateOptions<UserAgentOptions>;
