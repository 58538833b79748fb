#!/usr/bin/perl
# make-fixtures.pl OUTDIR - writes the small .mmdb files the MaxMindDB and ActivityEnrich tests use.
#
# Needs Debian's MaxMind DB writer: apt-get install -y libmaxmind-db-writer-perl
# The tests run this script at test time into a temporary directory, so no binary fixture is committed.
# Data are synthetic (shaped like MaxMind's own test databases), not GeoLite2 data.
use strict;
use warnings;
use utf8;
use MaxMind::DB::Writer::Tree;

my $out = shift @ARGV or die "usage: $0 OUTDIR\n";

my %types = (
    city                           => 'map',
    continent                      => 'map',
    country                        => 'map',
    registered_country             => 'map',
    location                       => 'map',
    names                          => 'map',
    subdivisions                   => [ 'array', 'map' ],
    code                           => 'utf8_string',
    iso_code                       => 'utf8_string',
    geoname_id                     => 'uint32',
    en                             => 'utf8_string',
    de                             => 'utf8_string',
    latitude                       => 'double',
    longitude                      => 'double',
    accuracy_radius                => 'uint16',
    time_zone                      => 'utf8_string',
    autonomous_system_number       => 'uint32',
    autonomous_system_organization => 'utf8_string',
    is_anonymous                   => 'boolean',
    is_anonymous_vpn               => 'boolean',
    is_hosting_provider            => 'boolean',
    is_public_proxy                => 'boolean',
    is_residential_proxy           => 'boolean',
    is_tor_exit_node               => 'boolean',
);

sub tree {
    my (%args) = @_;
    my $types = $args{types} // \%types;
    return MaxMind::DB::Writer::Tree->new(
        ip_version               => $args{ip_version} // 6,
        record_size              => 28,
        database_type            => $args{type},
        languages                => [ 'en', 'de' ],
        description              => { en => "activityd test fixture ($args{type})" },
        map_key_type_callback    => sub { $types->{ $_[0] } },
        alias_ipv6_to_ipv4       => ( $args{ip_version} // 6 ) == 6 ? 1 : 0,
        remove_reserved_networks => 0,
    );
}

sub write_db {
    my ( $tree, $name ) = @_;
    open my $fh, '>:raw', "$out/$name" or die "$out/$name: $!";
    $tree->write_tree($fh);
    close $fh or die "$out/$name: $!";
}

my %london = (
    city => { geoname_id => 2643743, names => { en => 'London', de => 'London' } },
    continent => { code => 'EU', geoname_id => 6255148, names => { en => 'Europe', de => 'Europa' } },
    country => { geoname_id => 2635167, iso_code => 'GB', names => { en => 'United Kingdom', de => 'Vereinigtes Königreich' } },
    location => { accuracy_radius => 10, latitude => 51.5142, longitude => -0.0931, time_zone => 'Europe/London' },
    subdivisions => [ { geoname_id => 6269131, iso_code => 'ENG', names => { en => 'England', de => 'England' } } ],
);
my %linkoping = (
    city => { geoname_id => 2694762, names => { en => 'Linköping', de => 'Linköping' } },
    country => { geoname_id => 2661886, iso_code => 'SE', names => { en => 'Sweden', de => 'Schweden' } },
    location => { accuracy_radius => 76, latitude => 58.4167, longitude => 15.6167, time_zone => 'Europe/Stockholm' },
    subdivisions => [
        { geoname_id => 2685867, iso_code => 'E', names => { en => 'Östergötland County', de => 'Östergötlands län' } },
        { geoname_id => 1, iso_code => 'X', names => { en => 'Second Level' } },
    ],
);
my %japan = (
    country => { geoname_id => 1861060, iso_code => 'JP', names => { en => 'Japan', de => 'Japan' } },
    location => { accuracy_radius => 100, latitude => 35.68536, longitude => 139.75309, time_zone => 'Asia/Tokyo' },
);
my %private = ( country => { iso_code => 'ZZ', names => { en => 'Should Never Be Seen' } } );

# City (IPv6 tree with IPv4 aliased, like GeoLite2-City).
{
    my $t = tree( type => 'GeoIP2-City' );
    $t->insert_network( '81.2.69.160/27',   \%london );
    $t->insert_network( '89.160.20.112/28', \%linkoping );
    $t->insert_network( '2001:218::/32',    \%japan );
    $t->insert_network( '2a02:ff00::/32',   \%linkoping );
    $t->insert_network( '10.0.0.0/8',       \%private );
    write_db( $t, 'City-Test.mmdb' );
}
# City, IPv4-only tree.
{
    my $t = tree( type => 'GeoIP2-City', ip_version => 4 );
    $t->insert_network( '81.2.69.160/27', \%london );
    write_db( $t, 'City-IPv4-Test.mmdb' );
}
# City whose latitude is a string: decoding must fail with a typed error, not trap.
{
    my %bad = ( %types, latitude => 'utf8_string' );
    my $t = tree( type => 'GeoIP2-City', types => \%bad );
    my %rec = %london;
    $rec{location} = { accuracy_radius => 10, latitude => 'north', longitude => -0.0931, time_zone => 'Europe/London' };
    $t->insert_network( '81.2.69.160/27', \%rec );
    write_db( $t, 'City-Bad-Types.mmdb' );
}
# City whose `country` is a string, not a map: its fields are absent (as a path through a string finds
# nothing), the other fields still read.
{
    my %odd = ( %types, country => 'utf8_string' );
    my $t = tree( type => 'GeoIP2-City', types => \%odd );
    my %rec = %london;
    $rec{country} = 'United Kingdom';
    $t->insert_network( '81.2.69.160/27', \%rec );
    write_db( $t, 'City-Country-String.mmdb' );
}
# Country.
{
    my $t = tree( type => 'GeoIP2-Country' );
    $t->insert_network( '81.2.69.0/24',  { country => $london{country} } );
    $t->insert_network( '1.1.1.0/24',    { country => { geoname_id => 2077456, iso_code => 'AU', names => { en => 'Australia' } } } );
    write_db( $t, 'Country-Test.mmdb' );
}
# ASN.
{
    my $t = tree( type => 'GeoLite2-ASN' );
    $t->insert_network( '81.2.69.0/24', { autonomous_system_number => 20712, autonomous_system_organization => 'Andrews & Arnold Ltd' } );
    $t->insert_network( '1.1.1.0/24',   { autonomous_system_number => 13335, autonomous_system_organization => 'Cloudflare, Inc.' } );
    $t->insert_network( '2001:218::/32', { autonomous_system_number => 2914, autonomous_system_organization => 'NTT America, Inc.' } );
    write_db( $t, 'ASN-Test.mmdb' );
}
# Anonymous-IP.
{
    my $t = tree( type => 'GeoIP2-Anonymous-IP' );
    $t->insert_network( '1.2.0.0/16', { is_anonymous => 1, is_anonymous_vpn => 1 } );
    $t->insert_network( '81.2.69.0/24', {
        is_anonymous => 1, is_anonymous_vpn => 1, is_hosting_provider => 1, is_public_proxy => 1,
        is_residential_proxy => 1, is_tor_exit_node => 1,
    } );
    $t->insert_network( '186.30.236.0/24', { is_anonymous => 1, is_public_proxy => 1 } );
    $t->insert_network( '65.0.0.0/13',     { is_anonymous => 1, is_tor_exit_node => 1 } );
    $t->insert_network( '71.160.223.0/24', { is_anonymous => 1, is_hosting_provider => 1 } );
    $t->insert_network( '5.6.7.0/24',      { is_anonymous => 1, is_residential_proxy => 1 } );
    $t->insert_network( '2a02:ff00::/32',  { is_anonymous => 1, is_anonymous_vpn => 1 } );
    write_db( $t, 'Anonymous-IP-Test.mmdb' );
}
print "ok\n";
