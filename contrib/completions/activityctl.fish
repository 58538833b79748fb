function __activityctl_should_offer_completions_for_flags_or_options -a expected_commands
    set -l non_repeating_flags_or_options $argv[2..]
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __activityctl_parse_tokens
    test "$commands" = "$expected_commands"; and return $non_repeating_flags_or_options_absent
end

function __activityctl_should_offer_completions_for_positional -a expected_commands positional_index_comparison expected_positional_index
    set -l non_repeating_flags_or_options
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __activityctl_parse_tokens
    test "$commands" = "$expected_commands" -a \( "$positional_index" "$positional_index_comparison" "$expected_positional_index" \)
end

function __activityctl_parse_tokens -S
    set -l unparsed_tokens (__activityctl_tokens -pc)
    switch $unparsed_tokens[1]
    case 'activityctl'
        __activityctl_parse_subcommand 0 'version' 'h/help'
        switch $unparsed_tokens[1]
        case 'events'
            __activityctl_parse_subcommand 0 'data-dir=' 'config=' 'user=+' 'ip=+' 'category=+' 'action=+' 'outcome=+' 'entry=+' 'country=+' 'vpn' 'host=+' 'since=' 'until=' 'order=' 'tz=' 'color=' 'limit=' 'reverse' 'format=' 'output-fields=' 'version' 'h/help'
        case 'users'
            __activityctl_parse_subcommand 0 'data-dir=' 'config=' 'tz=' 'color=' 'inactive-since=' 'session-timeout=' 'format=' 'version' 'h/help'
        case 'report'
            __activityctl_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'logins'
                __activityctl_parse_subcommand 0 'data-dir=' 'config=' 'tz=' 'color=' 'since=' 'until=' 'version' 'h/help'
            case 'failures'
                __activityctl_parse_subcommand 0 'data-dir=' 'config=' 'tz=' 'color=' 'threshold=' 'window=' 'since=' 'until=' 'version' 'h/help'
            case 'suspicious'
                __activityctl_parse_subcommand 0 'data-dir=' 'config=' 'tz=' 'color=' 'max-speed=' 'since=' 'until=' 'format=' 'recompute' 'version' 'h/help'
            end
        case 'export'
            __activityctl_parse_subcommand 0 'data-dir=' 'config=' 'user=+' 'ip=+' 'category=+' 'action=+' 'outcome=+' 'entry=+' 'country=+' 'vpn' 'host=+' 'since=' 'until=' 'order=' 'tz=' 'color=' 'csv' 'version' 'h/help'
        case 'tail'
            __activityctl_parse_subcommand 0 'data-dir=' 'config=' 'n/lines=' 'f/follow' 'format=' 'timeout=' 'tz=' 'color=' 'version' 'h/help'
        case 'send'
            __activityctl_parse_subcommand 0 'to=' 'action=' 'user=' 'category=' 'outcome=' 'reason=' 'actor=' 'actor-role=' 'account=' 'session=' 'entry=' 'device=' 'ip=' 'port=' 'service=' 'host=' 'subscription=' 'order=' 'amount=' 'currency=' 'billing-cycles=' 'comment=' 'time=' 'attr=+' 'app=' 'key-file=' 'version' 'h/help'
        case 'check'
            __activityctl_parse_subcommand 0 'user=' 'ip=' 'device=' 'account=' 'api=' 'config=' 'token-file=' 'json' 'version' 'h/help'
        case 'verify'
            __activityctl_parse_subcommand 0 'data-dir=' 'config=' 'repair' 'verify-key=' 'version' 'h/help'
        case 'setup-keys'
            __activityctl_parse_subcommand 0 'data-dir=' 'config=' 'key-file=' 'interval=' 'force' 'version' 'h/help'
        case 'stats'
            __activityctl_parse_subcommand 0 'data-dir=' 'config=' 'json' 'version' 'h/help'
        case 'help'
            __activityctl_parse_subcommand -r 1 'version'
        end
    end
end

function __activityctl_tokens
    if test (string split -m 1 -f 1 -- . "$FISH_VERSION") -gt 3
        commandline --tokens-raw $argv
    else
        commandline -o $argv
    end
end

function __activityctl_parse_subcommand -S -a positional_count
    argparse -s r -- $argv
    set -l option_specs $argv[2..]
    set -l is_repeating_positional $_flag_r
    set -el _flag_r
    set -a commands $unparsed_tokens[1]
    set positional_index 0
    while true
        set -e unparsed_tokens[1]
        argparse -sn "$commands" $option_specs -- $unparsed_tokens 2> /dev/null
        set unparsed_tokens $argv
        set positional_index (math $positional_index + 1)
        for non_repeating_flag_or_option in $non_repeating_flags_or_options
            if set -ql "_flag_$(string replace -a - _ -- $non_repeating_flag_or_option)"
                set non_repeating_flags_or_options_absent 1
                break
            end
        end
        test (count $unparsed_tokens) -eq 0 -o \( -z "$is_repeating_positional" -a "$positional_index" -gt "$positional_count" \) && break
    end
end

function __activityctl_complete_directories
    set -l token (commandline -t)
    string match -- '*/' $token
    set -l subdirs $token*/
    printf %s\n $subdirs
end

function __activityctl_custom_completion
    set -x SAP_SHELL fish
    set -x SAP_SHELL_VERSION $FISH_VERSION
    set -l tokens (__activityctl_tokens -p)
    if test -z "$(__activityctl_tokens -t)"
        set -l index (count (__activityctl_tokens -pc))
        set tokens $tokens[..$index] \'\' $tokens[(math $index + 1)..]
    end
    command $tokens[1] $argv $tokens
end

complete -c 'activityctl' -f
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl" version' -l 'version' -d 'Show the version.'
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_positional "activityctl" -eq 1' -fa 'events' -d 'List events, filtered through the index.'
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_positional "activityctl" -eq 1' -fa 'users' -d 'Every user\'s last login and logout, status now, entry method, last IP and location, counts.'
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_positional "activityctl" -eq 1' -fa 'report' -d 'Reports: logins per user, failure bursts, suspicious logins.'
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_positional "activityctl" -eq 1' -fa 'export' -d 'Export events as CSV with the payments report\'s columns.'
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_positional "activityctl" -eq 1' -fa 'tail' -d 'Show the last events, and with -f follow new ones as the daemon commits them.'
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_positional "activityctl" -eq 1' -fa 'send' -d 'Send one application event to activityd over UDP (like logger(1)).'
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_positional "activityctl" -eq 1' -fa 'check' -d 'Ask the daemon\'s check API whether a login should be allowed (POST /v1/check).'
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_positional "activityctl" -eq 1' -fa 'verify' -d 'Check every segment and index; exit non-zero on damage.'
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_positional "activityctl" -eq 1' -fa 'setup-keys' -d 'Create the forward-secure sealing key of a data directory and print its verification key once.'
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_positional "activityctl" -eq 1' -fa 'stats' -d 'Show the daemon\'s counters (from stats.json) and the store\'s size.'
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_positional "activityctl" -eq 1' -fa 'help' -d 'Show subcommand help information.'
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl events" data-dir' -l 'data-dir' -d 'The activityd data directory (holds segments/).' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl events" config' -l 'config' -d 'Read data_dir from this configuration file.' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl events"' -l 'user' -d 'Only this user (repeatable).' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl events"' -l 'ip' -d 'Only this remote address (repeatable).' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl events"' -l 'category' -d 'login, activity or admin (repeatable).' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl events"' -l 'action' -d 'Only this action (repeatable).' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl events"' -l 'outcome' -d 'success, failure or unknown (repeatable).' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl events"' -l 'entry' -d 'Entry method: ssh, web, mobile, api... (repeatable).' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl events"' -l 'country' -d 'ISO country code from GeoIP (repeatable).' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl events" vpn' -l 'vpn' -d 'Only events from VPN, proxy or Tor addresses.'
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl events"' -l 'host' -d 'Only events of this host (repeatable; a collector\'s store holds many).' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl events" since' -l 'since' -d 'From this time: RFC 3339, \'YYYY-MM-DD [HH:MM]\' (in --tz), -7d, -12h, today, yesterday.' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl events" until' -l 'until' -d 'Before this time (same forms as --since).' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl events" order' -l 'order' -d 'time: by event time, the default (an imported old log shows where it belongs); seq: storage order, as received.' -rfka 'seq time'
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl events" tz' -l 'tz' -d 'Show times in this IANA zone (e.g. Europe/Berlin, UTC); default: the local zone.' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl events" color' -l 'color' -d 'Colour in tables: auto (only on a terminal, never with NO_COLOR), always, never.' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl events" limit' -l 'limit' -d 'At most this many events.' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl events" reverse' -l 'reverse' -d 'Newest first (in the --order chosen).'
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl events" format' -l 'format' -d 'table, json, jsonl or csv (the payments export\'s columns). On a terminal, escape, control and bidi characters in JSON and CSV are shown escaped; to a file or pipe the bytes are exact.' -rfka 'table json jsonl csv'
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl events" output-fields' -l 'output-fields' -d 'Comma-separated fields for table and jsonl output (see the README for names).' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl events" version' -l 'version' -d 'Show the version.'
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl events" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl users" data-dir' -l 'data-dir' -d 'The activityd data directory (holds segments/).' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl users" config' -l 'config' -d 'Read data_dir from this configuration file.' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl users" tz' -l 'tz' -d 'Show times in this IANA zone (e.g. Europe/Berlin, UTC); default: the local zone.' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl users" color' -l 'color' -d 'Colour in tables: auto (only on a terminal, never with NO_COLOR), always, never.' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl users" inactive-since' -l 'inactive-since' -d 'Only accounts with no successful login in this long (e.g. 30d).' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl users" session-timeout' -l 'session-timeout' -d 'A login with no logout after this long counts as timed out.' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl users" format' -l 'format' -d 'table, json or jsonl (both print one object per line). On a terminal, escape, control and bidi characters in JSON and CSV are shown escaped; to a file or pipe the bytes are exact.' -rfka 'table json jsonl'
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl users" version' -l 'version' -d 'Show the version.'
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl users" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl report" version' -l 'version' -d 'Show the version.'
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl report" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_positional "activityctl report" -eq 1' -fa 'logins' -d 'Logins per user and how often they use the service (per active day and week).'
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_positional "activityctl report" -eq 1' -fa 'failures' -d 'Bursts of failed logins: N failures within a window, per user and per IP.'
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_positional "activityctl report" -eq 1' -fa 'suspicious' -d 'Suspicious logins, each with why: a new country for the user, impossible travel, VPN/proxy/Tor/hosting, success after a failure burst, a new device.'
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl report logins" data-dir' -l 'data-dir' -d 'The activityd data directory (holds segments/).' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl report logins" config' -l 'config' -d 'Read data_dir from this configuration file.' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl report logins" tz' -l 'tz' -d 'Show times in this IANA zone (e.g. Europe/Berlin, UTC); default: the local zone.' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl report logins" color' -l 'color' -d 'Colour in tables: auto (only on a terminal, never with NO_COLOR), always, never.' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl report logins" since' -l 'since' -d 'From (RFC 3339, YYYY-MM-DD, -30d, today...).' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl report logins" until' -l 'until' -d 'Until (same forms).' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl report logins" version' -l 'version' -d 'Show the version.'
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl report logins" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl report failures" data-dir' -l 'data-dir' -d 'The activityd data directory (holds segments/).' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl report failures" config' -l 'config' -d 'Read data_dir from this configuration file.' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl report failures" tz' -l 'tz' -d 'Show times in this IANA zone (e.g. Europe/Berlin, UTC); default: the local zone.' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl report failures" color' -l 'color' -d 'Colour in tables: auto (only on a terminal, never with NO_COLOR), always, never.' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl report failures" threshold' -l 'threshold' -d 'Failures that make a burst.' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl report failures" window' -l 'window' -d 'Window the failures fall in (e.g. 10m).' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl report failures" since' -l 'since' -d 'From (RFC 3339, YYYY-MM-DD, -7d, today...).' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl report failures" until' -l 'until' -d 'Until (same forms).' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl report failures" version' -l 'version' -d 'Show the version.'
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl report failures" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl report suspicious" data-dir' -l 'data-dir' -d 'The activityd data directory (holds segments/).' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl report suspicious" config' -l 'config' -d 'Read data_dir from this configuration file.' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl report suspicious" tz' -l 'tz' -d 'Show times in this IANA zone (e.g. Europe/Berlin, UTC); default: the local zone.' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl report suspicious" color' -l 'color' -d 'Colour in tables: auto (only on a terminal, never with NO_COLOR), always, never.' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl report suspicious" max-speed' -l 'max-speed' -d 'Travel faster than this (km/h, after subtracting accuracy radii) is impossible.' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl report suspicious" since' -l 'since' -d 'From (RFC 3339, YYYY-MM-DD, -7d, today...).' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl report suspicious" until' -l 'until' -d 'Until (same forms).' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl report suspicious" format' -l 'format' -d 'table, json or jsonl (both print one object per line). On a terminal, escape, control and bidi characters in JSON and CSV are shown escaped; to a file or pipe the bytes are exact.' -rfka 'table json jsonl'
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl report suspicious" recompute' -l 'recompute' -d 'Recompute every flag (with --max-speed) instead of reading those the daemon stored at ingest.'
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl report suspicious" version' -l 'version' -d 'Show the version.'
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl report suspicious" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl export" data-dir' -l 'data-dir' -d 'The activityd data directory (holds segments/).' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl export" config' -l 'config' -d 'Read data_dir from this configuration file.' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl export"' -l 'user' -d 'Only this user (repeatable).' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl export"' -l 'ip' -d 'Only this remote address (repeatable).' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl export"' -l 'category' -d 'login, activity or admin (repeatable).' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl export"' -l 'action' -d 'Only this action (repeatable).' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl export"' -l 'outcome' -d 'success, failure or unknown (repeatable).' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl export"' -l 'entry' -d 'Entry method: ssh, web, mobile, api... (repeatable).' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl export"' -l 'country' -d 'ISO country code from GeoIP (repeatable).' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl export" vpn' -l 'vpn' -d 'Only events from VPN, proxy or Tor addresses.'
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl export"' -l 'host' -d 'Only events of this host (repeatable; a collector\'s store holds many).' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl export" since' -l 'since' -d 'From this time: RFC 3339, \'YYYY-MM-DD [HH:MM]\' (in --tz), -7d, -12h, today, yesterday.' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl export" until' -l 'until' -d 'Before this time (same forms as --since).' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl export" order' -l 'order' -d 'time: by event time, the default (an imported old log shows where it belongs); seq: storage order, as received.' -rfka 'seq time'
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl export" tz' -l 'tz' -d 'Show times in this IANA zone (e.g. Europe/Berlin, UTC); default: the local zone.' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl export" color' -l 'color' -d 'Colour in tables: auto (only on a terminal, never with NO_COLOR), always, never.' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl export" csv' -l 'csv' -d 'CSV (the only export format; the flag is for clarity). On a terminal, escape, control and bidi characters in JSON and CSV are shown escaped; to a file or pipe the bytes are exact.'
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl export" version' -l 'version' -d 'Show the version.'
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl export" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl tail" data-dir' -l 'data-dir' -d 'The activityd data directory (holds segments/).' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl tail" config' -l 'config' -d 'Read data_dir from this configuration file.' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl tail" lines n' -s 'n' -l 'lines' -d 'How many recent events to show first.' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl tail" f follow' -l 'follow' -s 'f' -d 'Keep following new events.'
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl tail" format' -l 'format' -d 'table or jsonl. On a terminal, escape, control and bidi characters in JSON and CSV are shown escaped; to a file or pipe the bytes are exact.' -rfka 'table json jsonl csv'
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl tail" timeout' -l 'timeout' -d 'Stop following after this many seconds (for scripts).' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl tail" tz' -l 'tz' -d 'Show times in this IANA zone (e.g. Europe/Berlin, UTC); default: the local zone.' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl tail" color' -l 'color' -d 'Colour in tables: auto (only on a terminal, never with NO_COLOR), always, never.' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl tail" version' -l 'version' -d 'Show the version.'
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl tail" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl send" to' -l 'to' -d 'Where activityd listens (host:port, IPv6 as [addr]:port).' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl send" action' -l 'action' -d 'The action (login, logout, login_failed, order_placed...).' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl send" user' -l 'user' -d 'The user the event is about.' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl send" category' -l 'category' -d 'login, activity or admin (inferred from the action when left out).' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl send" outcome' -l 'outcome' -d 'success, failure or unknown.' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl send" reason' -l 'reason' -d 'Failure or status detail.' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl send" actor' -l 'actor' -d 'Who did it.' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl send" actor-role' -l 'actor-role' -d 'user, admin, support, system.' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl send" account' -l 'account' -d 'Tenant or organisation.' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl send" session' -l 'session' -d 'Session id.' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl send" entry' -l 'entry' -d 'Entry method: web, mobile, api, ssh...' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl send" device' -l 'device' -d 'Device type or user agent.' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl send" ip' -l 'ip' -d 'Remote address of the user.' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl send" port' -l 'port' -d 'Remote port.' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl send" service' -l 'service' -d 'Application name.' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl send" host' -l 'host' -d 'Host name.' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl send" subscription' -l 'subscription' -d 'Subscription reference.' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl send" order' -l 'order' -d 'Order reference.' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl send" amount' -l 'amount' -d 'Amount as a decimal string (negative for refunds).' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl send" currency' -l 'currency' -d 'ISO 4217 currency.' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl send" billing-cycles' -l 'billing-cycles' -d 'Billing cycles.' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl send" comment' -l 'comment' -d 'Free text.' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl send" time' -l 'time' -d 'Event time (RFC 3339); default now.' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl send"' -l 'attr' -d 'Extra key=value (repeatable).' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl send" app' -l 'app' -d 'Application id for an HMAC-signed datagram (with --key-file).' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl send" key-file' -l 'key-file' -d 'HMAC-SHA256 key file of --app (as configured in input.udp.keys).' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl send" version' -l 'version' -d 'Show the version.'
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl send" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl check" user' -l 'user' -d 'The user about to log in.' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl check" ip' -l 'ip' -d 'The address the login comes from.' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl check" device' -l 'device' -d 'The device (user agent or name).' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl check" account' -l 'account' -d 'The account (required when the token is limited to accounts).' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl check" api' -l 'api' -d 'The API address (host:port, IPv6 in brackets); default: [api] listen of --config, else 127.0.0.1:58081.' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl check" config' -l 'config' -d 'Read api.listen from this configuration file.' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl check" token-file' -l 'token-file' -d 'A file holding the bearer token (default: $ACTIVITYD_API_TOKEN).' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl check" json' -l 'json' -d 'Print the API\'s JSON answer (exact bytes to a file or pipe; escaped on a terminal).'
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl check" version' -l 'version' -d 'Show the version.'
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl check" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl verify" data-dir' -l 'data-dir' -d 'The activityd data directory (holds segments/).' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl verify" config' -l 'config' -d 'Read data_dir from this configuration file.' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl verify" repair' -l 'repair' -d 'Rebuild damaged or missing indexes (takes the data directory\'s lock: stop the daemon first).'
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl verify" verify-key' -l 'verify-key' -d 'Also check the seals with this verification key (from activityctl setup-keys).' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl verify" version' -l 'version' -d 'Show the version.'
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl verify" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl setup-keys" data-dir' -l 'data-dir' -d 'The activityd data directory (holds segments/).' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl setup-keys" config' -l 'config' -d 'Read data_dir from this configuration file.' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl setup-keys" key-file' -l 'key-file' -d 'Where to write the sealing key (default: <data_dir>/seal.key).' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl setup-keys" interval' -l 'interval' -d 'How often the key evolves while the daemon runs (s, m or h).' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl setup-keys" force' -l 'force' -d 'Replace an existing key file (the history sealed with it stays verifiable only with its old verification key).'
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl setup-keys" version' -l 'version' -d 'Show the version.'
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl setup-keys" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl stats" data-dir' -l 'data-dir' -d 'The activityd data directory (holds segments/).' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl stats" config' -l 'config' -d 'Read data_dir from this configuration file.' -rfka ''
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl stats" json' -l 'json' -d 'Print stats.json as it is.'
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl stats" version' -l 'version' -d 'Show the version.'
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl stats" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'activityctl' -n '__activityctl_should_offer_completions_for_flags_or_options "activityctl help" version' -l 'version' -d 'Show the version.'
