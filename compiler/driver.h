/* compiler/driver.h — the vmcc command line (driver.c). */
#ifndef VMCC_DRIVER_H
#define VMCC_DRIVER_H

/* Runs vmcc; returns the exit status (0 success, 1 bad input or failure). */
int driver_main(int argc, char **argv);

#endif
