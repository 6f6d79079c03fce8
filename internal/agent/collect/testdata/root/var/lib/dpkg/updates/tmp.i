Package: adduser
Status: purge ok not-installed
Architecture: all
